// Legacy-only: parameter decorators, and reflect-metadata of other decorators kept on
// the decorated method (before and after ours), with emitDecoratorMetadata on.
import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ignore, Input, Messages, ModelCall, Redact, Tool, Trace } from '../../decorators/index.js';
import { NorthstarDecoratorError } from '../../src/index.js';
import { suiteCollector } from './collector.js';

class Request {
  readonly headers = { authorization: 'Bearer x' };
}

/** A method decorator of another library that stores metadata on the function itself. */
const Route = (path: string): MethodDecorator => (_target, _key, descriptor) => {
  Reflect.defineMetadata('route:path', path, descriptor.value as object);
  (descriptor.value as unknown as Record<string, unknown>).routeFlag = true;
};

/** Like Nest's SetMetadata: metadata on the function under its own key. */
const SetTag = (tag: string): MethodDecorator => (_target, _key, descriptor) => {
  Reflect.defineMetadata('tag:below', tag, descriptor.value as object);
};

class Service {
  @Trace()
  handle(@Input('query') q: string, request: Request, @Input() limit: number) {
    return [q, request instanceof Request, limit];
  }

  @Trace()
  login(user: string, @Redact() password: string, @Ignore() request: Request) {
    return `${user}:${password.length}:${request.headers ? 1 : 0}`;
  }

  @Trace({ params: ['first'] })
  optionWins(@Ignore() a: string, b: string) {
    return a + b;
  }

  @Trace()
  async ask(question: string) {
    return this.model(0.5, [{ role: 'user', content: question }]);
  }

  @ModelCall({ model: 'gpt-4o-mini' })
  model(temperature: number, @Messages() history: { role: string; content: string }[]) {
    return { role: 'assistant', content: `${temperature}:${history.length}` };
  }

  @Reflect.metadata('outer:key', 'above')
  @Route('/search-above')
  @Tool()
  @Route('/search')
  @SetTag('below')
  @Reflect.metadata('inner:key', 'below')
  search(query: string, request: Request): string {
    return query + (request ? '' : '!');
  }
}

describe('parameter decorators (legacy)', () => {
  const c = suiteCollector();

  it('@Input selects and renames, @Redact hides, @Ignore leaves out; the params option wins over them', async () => {
    const service = new Service();
    assert.deepEqual(service.handle('q1', new Request(), 3), ['q1', true, 3]);
    assert.equal(service.login('ann', 'hunter2', new Request()), 'ann:7:1');
    assert.equal(service.optionWins('a', 'b'), 'ab');
    await c.delivered();
    assert.deepEqual(c.content(c.run('handle'), 'user_input'), { query: 'q1', limit: 3 });
    assert.deepEqual(c.content(c.run('login'), 'user_input'), { user: 'ann', password: '[REDACTED]' });
    assert.deepEqual(c.content(c.run('optionWins'), 'user_input'), { first: 'a', b: 'b' });
  });

  it('@Messages marks the model input', async () => {
    assert.deepEqual(await new Service().ask('hi'), { role: 'assistant', content: '0.5:1' });
    await c.delivered();
    const span = c.span('model');
    assert.deepEqual(c.events(span).map((e) => e.type).sort(), ['assistant_message', 'user_input']);
    assert.match(JSON.stringify(c.content(span, 'user_input')), /hi/);
  });

  it('stores marks under our namespaced key on (prototype, method)', () => {
    const marks = Reflect.getOwnMetadata('northstar:params', Service.prototype, 'login');
    assert.deepEqual(marks, [undefined, { redact: true }, { ignore: true }]);
    const ours = Reflect.getMetadataKeys(Service.prototype, 'search').filter((k: unknown) => String(k).startsWith('northstar'));
    assert.deepEqual(ours, []);
  });

  it('keeps other decorators’ metadata readable, above and below ours, and design:* metadata', () => {
    const search = Service.prototype.search;
    // Written on the original below ours (copied over), then on our wrapper above ours.
    assert.equal(Reflect.getMetadata('route:path', search), '/search-above');
    assert.equal(Reflect.getMetadata('route:path', (search as any)[Symbol.for('northstar-ai.wrapped')]), '/search');
    assert.equal(Reflect.getMetadata('tag:below', search), 'below');
    assert.equal((search as unknown as Record<string, unknown>).routeFlag, true);
    assert.equal(Reflect.getMetadata('outer:key', Service.prototype, 'search'), 'above');
    assert.equal(Reflect.getMetadata('inner:key', Service.prototype, 'search'), 'below');
    assert.deepEqual(Reflect.getMetadata('design:paramtypes', Service.prototype, 'search'), [String, Request]);
    assert.equal(Reflect.getMetadata('design:returntype', Service.prototype, 'search'), String);
    assert.equal(search.name, 'search');
    assert.equal(search.length, 2);
  });

  it('refuses parameter decorators on anything but a method parameter', () => {
    assert.throws(() => {
      class Bad {
        constructor(@Input() readonly x: string) {}
      }
      return Bad;
    }, (error: unknown) => error instanceof NorthstarDecoratorError && /@Input\(\).*constructor parameter of Bad/.test(error.message));
    assert.throws(() => (Redact() as any)(Service.prototype, 'login', { value() {} }), /@Redact\(\) cannot decorate the method Service\.login/);
    assert.throws(() => (Ignore() as any)(Service.prototype, 'field', undefined), /@Ignore\(\) cannot decorate the field Service\.field/);
  });
});
