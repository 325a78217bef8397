import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { checkWebhookUrl } from './webhook-url.ts';

const refusal = (url: string, allowed: string[] = []) => {
  try {
    checkWebhookUrl(url, allowed);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('WEBHOOK_URL_INVALID');
    return (error as AppError).message;
  }
  throw new Error(`${url} was accepted`);
};

describe('checkWebhookUrl', () => {
  it('accepts public http(s) URLs as normalised text', () => {
    expect(checkWebhookUrl('https://Example.com/hooks?a=1', [])).toBe('https://example.com/hooks?a=1');
    expect(checkWebhookUrl(' http://93.184.215.14:8443/x ', [])).toBe('http://93.184.215.14:8443/x');
  });

  it('refuses other schemes, malformed URLs and credentials, saying what to give', () => {
    expect(refusal('ftp://example.com/')).toMatch(/http or https, not ftp/);
    expect(refusal('javascript:alert(1)')).toMatch(/not javascript/);
    expect(refusal('example.com/hooks')).toMatch(/not a valid URL/);
    expect(refusal('https://a:b@example.com/')).toMatch(/user name or password/);
    expect(refusal(`https://example.com/${'x'.repeat(3000)}`)).toMatch(/longer than/);
  });

  it('refuses loopback, private, link-local and localhost targets in any spelling', () => {
    expect(refusal('http://127.0.0.1/')).toMatch(/loopback address/);
    expect(refusal('http://2130706433/')).toMatch(/loopback address/);
    expect(refusal('http://0x7f.1/')).toMatch(/loopback address/);
    expect(refusal('http://[::ffff:127.0.0.1]/')).toMatch(/loopback address/);
    expect(refusal('http://localhost:3000/')).toMatch(/loopback address/);
    expect(refusal('http://api.localhost/')).toMatch(/loopback address/);
    expect(refusal('http://192.168.1.10/')).toMatch(/a private address/);
    expect(refusal('http://169.254.169.254/')).toMatch(/a link-local address/);
    expect(refusal('http://[fd00::1]/')).toMatch(/a unique-local address/);
    expect(refusal('http://0.0.0.0/')).toMatch(/an unspecified address/);
  });

  it('lets through exactly the hosts allowed, by host or host:port', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8123/h', ['127.0.0.1:8123'])).toBe('http://127.0.0.1:8123/h');
    expect(refusal('http://127.0.0.1:8124/h', ['127.0.0.1:8123'])).toMatch(/loopback/);
    expect(checkWebhookUrl('http://localhost/h', ['localhost'])).toBe('http://localhost/h');
    expect(checkWebhookUrl('http://hooks.internal:80/', ['hooks.internal'])).toBe('http://hooks.internal/');
  });
});
