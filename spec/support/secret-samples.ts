// One credential of each form the SDK redacts inside text (README, "Secrets"), shared by
// the serialize and security specs.

/** A credential of each documented form, with what must be gone and what must stay. */
export const SECRET_SAMPLES: ReadonlyArray<{ form: string; text: string; secret: string; kept?: string }> = [
  { form: 'URL userinfo', text: 'https://alice:pw-9f8e7d@db.example.com/x', secret: 'pw-9f8e7d', kept: 'https://alice:' },
  { form: 'URL userinfo with @ in the password', text: 'postgres://bob:p@ss-41x@db:5432/app', secret: 'p@ss-41x', kept: 'postgres://bob:' },
  { form: 'Bearer', text: 'Authorization: Bearer abcDEF123456ghiJKL', secret: 'abcDEF123456ghiJKL' },
  { form: 'bare Bearer', text: 'Bearer zz9ZZ8yy7YY6xx5', secret: 'zz9ZZ8yy7YY6xx5', kept: 'Bearer ' },
  { form: 'Basic', text: `sent Basic ${btoa('alice:wonderland42')} to the proxy`, secret: btoa('alice:wonderland42'), kept: 'sent Basic ' },
  {
    form: 'JWT',
    text: 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ ok',
    secret: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    kept: 'jwt ',
  },
  { form: 'OpenAI sk-', text: 'key sk-abc123DEF456ghi789JKL012', secret: 'sk-abc123DEF456ghi789JKL012' },
  { form: 'OpenAI sk-proj-', text: 'use sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34 now', secret: 'sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34' },
  { form: 'Anthropic sk-ant-', text: 'sk-ant-api03-Xy12Zw34Vu56Ts78Rq90-AAAA', secret: 'sk-ant-api03-Xy12Zw34Vu56Ts78Rq90-AAAA' },
  { form: 'AWS AKIA', text: 'aws id AKIAIOSFODNN7EXAMPLE here', secret: 'AKIAIOSFODNN7EXAMPLE' },
  { form: 'AWS ASIA', text: 'ASIAY34FZKBOKMUTVV7A', secret: 'ASIAY34FZKBOKMUTVV7A' },
  { form: 'GitHub ghp_', text: 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a', secret: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a' },
  { form: 'GitHub gho_', text: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', secret: 'gho_16C7e42F292c6912E7710c838347Ae178B4a' },
  { form: 'GitHub ghs_', text: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a', secret: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a' },
  { form: 'GitHub github_pat_', text: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', secret: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz' },
  { form: 'Slack xoxb-', text: 'slack xoxb-123456789012-1234567890123-AbCdEfGhIjKl', secret: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKl' },
  { form: 'Slack xoxp-', text: 'xoxp-123456789012-abcdefABCDEF', secret: 'xoxp-123456789012-abcdefABCDEF' },
  { form: 'password= in a query string', text: 'GET /login?user=ada&password=hunter2x&next=/', secret: 'hunter2x', kept: 'user=ada' },
  { form: 'secret= env style', text: 'CLIENT_SECRET=s3cr3tvalue99 npm start', secret: 's3cr3tvalue99', kept: ' npm start' },
  { form: 'api_key= pair', text: 'curl https://api.example.com?api_key=k_9988776655&q=1', secret: 'k_9988776655', kept: '&q=1' },
  { form: 'JSON-ish password', text: 'payload {"user": "ada", "password": "open sesame 12"}', secret: 'open sesame 12', kept: '"user": "ada"' },
];
