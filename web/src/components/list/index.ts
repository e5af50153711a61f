// The shared kit of the list pages: the address as state, the filter box, the active-filter
// notice, sortable headers, the results table and pagination.
export { ActiveFilters, type ActiveFilter } from './ActiveFilters';
export { FilterBar, FilterCheckbox, FilterDate, FilterSelect, FilterText, type Option, type OptionGroup } from './FilterBar';
export { Announcement, ListHeader, ListResults, type ListPage } from './ListResults';
export { Pagination, pageRange } from './Pagination';
export { SortableHeader, readSort } from './SortableHeader';
export { useListParams, type FilterChanges } from './useListParams';
