// The one form kit of the SPA: the form frame and the small-form shell, fields with their errors,
// the controls, the reading of a refused write and the focus rules.
export { ConfirmDelete } from './ConfirmDelete';
export { CheckboxField, RadioGroup, SelectInput, TextInput } from './controls';
export { Field, FormAlert, useFocusFirstInvalid, useFocusOnClose, useFocusOnMount, type FieldA11y } from './Field';
export { CancelButton, FormFrame, savingWith, type FrameFields, type RecordFormProps } from './FormFrame';
export { FormOpener, type OpenedForm } from './FormOpener';
export { FormShell, deeper, type HeadingTag } from './FormShell';
export {
  Checks,
  describeFailure,
  numberOrNull,
  textOrNull,
  toApiProblem,
  type FormFailure,
  type ProblemOverride,
} from './problems';
export { useTextValues, type BoundText } from './useTextValues';
export { WarekiPreview } from './WarekiPreview';
export { RecordFormPage, useValuesOf, type Loading } from './RecordFormPage';
export { useRecordSave, type RecordSave } from './useRecordSave';
export { DeleteRecord } from './DeleteRecord';
export { useConfirmFocus } from './useConfirmFocus';
export { SearchField } from './SearchField';
