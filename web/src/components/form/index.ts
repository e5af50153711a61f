// The one form kit of the SPA: fields with their errors, the alert, the small-form frame, the
// reading of a refused write and the focus rules.
export { ConfirmDelete } from './ConfirmDelete';
export { Field, FormAlert, useFocusFirstInvalid, useFocusOnClose, useFocusOnMount, type FieldA11y } from './Field';
export { FormShell, SelectInput, TextInput, deeper, type HeadingTag } from './FormShell';
export {
  Checks,
  describeFailure,
  numberOrNull,
  textOrNull,
  toApiProblem,
  type FormFailure,
  type ProblemOverride,
} from './problems';
export { WarekiPreview } from './WarekiPreview';
