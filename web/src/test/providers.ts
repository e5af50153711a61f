// The app's providers for component tests, so tests of a feature or a shared component reach the
// app layer only through src/test.
export { AppProviders } from '../app/App';
