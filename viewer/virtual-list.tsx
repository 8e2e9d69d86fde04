// A list that renders only the rows in view (fixed row height), so a run of thousands of
// spans or a long runs list stays smooth. `anchorKey` keeps the row the user looks at in
// place when rows are inserted above it (a new run never moves the scroll).
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  keyOf: (item: T) => string;
  render: (item: T, index: number) => ComponentChildren;
  className?: string;
  testId?: string;
}

/** A scrolling list of fixed-height rows that renders only the rows in view. */
export function VirtualList<T>({ items, rowHeight, keyOf, render, className, testId }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  // The first visible row's key and its offset, taken at every scroll.
  const anchor = useRef<{ key: string; offset: number } | undefined>(undefined);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // After the items change, put the anchored row back where it was.
  useLayoutEffect(() => {
    const el = ref.current;
    const a = anchor.current;
    if (!el || !a || el.scrollTop === 0) return;
    const index = items.findIndex((item) => keyOf(item) === a.key);
    if (index === -1) return;
    const target = index * rowHeight + a.offset;
    if (Math.abs(target - el.scrollTop) > 1) {
      el.scrollTop = target;
      setScrollTop(target);
    }
  }, [items]);

  const onScroll = () => {
    const el = ref.current!;
    setScrollTop(el.scrollTop);
    const first = Math.floor(el.scrollTop / rowHeight);
    const item = items[first];
    anchor.current = item === undefined ? undefined : { key: keyOf(item), offset: el.scrollTop - first * rowHeight };
  };

  const overscan = 8;
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows = [];
  for (let i = start; i < end; i++) {
    const item = items[i]!;
    rows.push(
      <div key={keyOf(item)} class="vrow" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {render(item, i)}
      </div>,
    );
  }
  return (
    <div ref={ref} class={`vlist ${className ?? ''}`} onScroll={onScroll} data-testid={testId}>
      <div class="vlist-inner" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
