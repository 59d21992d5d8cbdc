// Assertions every form page shares: posting with the CSRF token, labels, described-by wiring.
import { expect } from 'vitest';
import { CSRF_TOKEN } from './fixtures.js';
import { findById, findForm, findTags, hiddenValues, visibleInputs, type Tag } from './markup.js';

/** The form posting to `action`, after checking its method and CSRF token. */
export function expectPostForm(markup: string, action: string): string {
  const form = findForm(markup, action);
  expect(form.tag.attributes.method).toBe('post');
  expect(hiddenValues(form.inner)._csrf).toBe(CSRF_TOKEN);
  const buttons = findTags(form.inner, 'button');
  expect(buttons.length).toBeGreaterThan(0);
  for (const button of buttons) expect(button.attributes.type).toBe('submit');
  return form.inner;
}

/** Every visible input has an id, exactly one `<label for>` and describedby ids that exist. */
export function expectAccessibleInputs(markup: string): Tag[] {
  const inputs = visibleInputs(markup);
  const labels = findTags(markup, 'label');
  for (const input of inputs) {
    const id = input.attributes.id;
    expect(id).toBeTruthy();
    expect(labels.filter((label) => label.attributes.for === id)).toHaveLength(1);
    for (const describedBy of (input.attributes['aria-describedby'] ?? '').split(' ')) {
      if (describedBy !== '') findById(markup, describedBy);
    }
  }
  return inputs;
}

export function inputNamed(markup: string, name: string): Tag {
  const input = visibleInputs(markup).find((tag) => tag.attributes.name === name);
  if (input === undefined) throw new Error(`no input named ${name}`);
  return input;
}

/** The ids an input lists in aria-describedby. */
export function describedBy(input: Tag): string[] {
  return (input.attributes['aria-describedby'] ?? '').split(' ').filter((id) => id !== '');
}

/** Names of the inputs carrying autofocus. */
export function autofocused(markup: string): string[] {
  return findTags(markup, 'input')
    .filter((tag) => 'autofocus' in tag.attributes)
    .map((tag) => tag.attributes.name ?? '');
}
