//! Tables as staff exchange them: the column tables of every list (`columns`), their cells
//! (`cells`) and file formats (`formats`), the exports (`export`), the imports (`import`, with
//! their wire types in `dto`) and the runner of import jobs (`jobs`).
//!
//! Dependencies point one way: `export` and `import` read `columns`, `cells` and `formats`;
//! `import` starts its jobs through `jobs`; `jobs` and `import` share `dto`.

pub mod cells;
pub mod columns;
pub mod dto;
pub mod export;
pub mod formats;
pub mod import;
pub mod jobs;
