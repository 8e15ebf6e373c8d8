// The inputs of a form generated from the tenant's trait schema (lib/trait-form.ts): each field
// labelled, its problem announced beside it and tied to it (aria-describedby).
import type { FieldProblem, FormValues, TraitField } from '../lib/trait-form.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/en.ts';

export function TraitInputs({ fields, values, problems, onChange, idPrefix, disabled = false }: { fields: readonly TraitField[]; values: FormValues; problems: readonly FieldProblem[]; onChange: (values: FormValues) => void; idPrefix: string; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <>
      {fields.map((field) => {
        const id = `${idPrefix}-${field.name}`;
        const problem = problems.find((entry) => entry.field === field.name);
        const described = problem ? `${id}-problem` : undefined;
        const set = (value: string | boolean) => onChange({ ...values, [field.name]: value });
        const common = { id, name: field.name, disabled, 'aria-invalid': problem ? true : undefined, 'aria-describedby': described, required: field.required };
        const value = values[field.name];
        let input;
        if (field.kind === 'boolean') input = <input type="checkbox" {...common} checked={value === true} onChange={(event) => set(event.target.checked)} />;
        else if (field.kind === 'enum') {
          input = (
            <select {...common} value={String(value ?? '')} onChange={(event) => set(event.target.value)}>
              <option value="">{t('form.choose')}</option>
              {field.options.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
            </select>
          );
        } else if (field.kind === 'json') input = <textarea {...common} rows={3} value={String(value ?? '')} onChange={(event) => set(event.target.value)} />;
        else {
          const type = field.kind === 'integer' || field.kind === 'number' ? 'number' : field.kind;
          input = <input {...common} type={type} step={field.kind === 'number' ? 'any' : undefined} min={field.minimum} max={field.maximum} maxLength={field.maxLength} value={String(value ?? '')} onChange={(event) => set(event.target.value)} />;
        }
        return (
          <div className={field.kind === 'boolean' ? 'field checkbox' : 'field'} key={field.name}>
            <label htmlFor={id}>{field.label}{field.required ? ` (${t('form.required')})` : ''}</label>
            {input}
            {problem && <span className="problem" id={described} role="alert">{t(`form.problem.${problem.code}` as MessageKey)}</span>}
          </div>
        );
      })}
    </>
  );
}
