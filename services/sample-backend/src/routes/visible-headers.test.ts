import { describe, expect, it } from 'vitest';
import { previewAssertion, visibleHeaders } from './visible-headers.js';

describe('visibleHeaders', () => {
  it('keeps ordinary headers as they arrived, in order', () => {
    const shown = visibleHeaders({
      host: 'backend:8002',
      'x-authflow-user-id': 'u1',
      accept: '*/*',
    });
    expect(Object.entries(shown)).toEqual([
      ['host', 'backend:8002'],
      ['x-authflow-user-id', 'u1'],
      ['accept', '*/*'],
    ]);
  });

  it('cuts the assertion to its first 20 characters', () => {
    const token = `eyJhbGciOiJFUzI1NiJ9.${'a'.repeat(200)}.${'b'.repeat(86)}`;
    expect(visibleHeaders({ 'x-authflow-assertion': token })['x-authflow-assertion']).toBe(
      'eyJhbGciOiJFUzI1NiJ9…',
    );
    expect(previewAssertion('short')).toBe('short');
  });

  it('shows which cookies arrived, not their values', () => {
    expect(visibleHeaders({ cookie: 'theme=dark; authflow_csrf=secret;  empty=' }).cookie).toBe(
      'theme=…; authflow_csrf=…; empty=…',
    );
  });

  it('masks credentials but keeps their scheme', () => {
    expect(visibleHeaders({ authorization: 'Bearer abc.def' }).authorization).toBe('Bearer …');
  });

  it('keeps every value of a repeated header', () => {
    expect(visibleHeaders({ 'x-many': ['a', 'b'] })['x-many']).toEqual(['a', 'b']);
  });
});
