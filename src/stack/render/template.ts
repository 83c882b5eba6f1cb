/**
 * Placeholder substitution for the files in templates/. `{{name}}` inside a line takes a string, escaped as a
 * .properties value; a line holding nothing but `{{name}}` may take a list of lines (entries, comments), and
 * disappears when the list is empty. Every placeholder must get a value and every value must be used, so a
 * template and its renderer cannot drift apart silently.
 */
import { KstackError } from '../../errors.js';
import { escapePropertyValue, formatProperties, type PropertiesLine } from '../../listeners/properties.js';

export type TemplateValue = string | number | readonly PropertiesLine[];

const PLACEHOLDER = /\{\{([a-z0-9_]+)\}\}/g;

export function templateError(template: string, message: string): KstackError {
  return new KstackError('KSTACK_TEMPLATE', `template ${template}: ${message}`, {
    fix: 'reinstall kstack (npm install -g kstack) or restore the templates/ folder from the package',
  });
}

export function renderTemplate(template: string, text: string, values: Record<string, TemplateValue>): string {
  const used = new Set<string>();
  const lookup = (name: string): TemplateValue => {
    if (!(name in values)) throw templateError(template, `no value for placeholder {{${name}}}`);
    used.add(name);
    return values[name];
  };
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const block = /^\{\{([a-z0-9_]+)\}\}$/.exec(line.trim());
    if (block) {
      const value = lookup(block[1]);
      if (Array.isArray(value)) {
        if (value.length > 0) out.push(formatProperties(value).replace(/\n$/, ''));
        continue;
      }
    }
    out.push(
      line.replace(PLACEHOLDER, (_, name: string) => {
        const value = lookup(name);
        if (Array.isArray(value)) throw templateError(template, `{{${name}}} holds several lines, so it must stand alone on its line`);
        return escapePropertyValue(String(value));
      }),
    );
  }
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw templateError(template, `placeholder(s) missing from the template: ${unused.map((k) => `{{${k}}}`).join(', ')}`);
  return out.join('\n');
}
