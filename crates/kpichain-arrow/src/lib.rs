//! Arrow in and out of kpichain, for every host that holds its data as Arrow (the Python
//! binding's pandas, polars and pyarrow frames; any Arrow C stream).
//!
//! - [`Column`]: an Arrow column's values as the core's [`Cell`](kpichain::Cell)s, so the
//!   core's one number policy reads them;
//! - [`intake`]: a table of assignments, actuals (long or wide), targets or units fed row by
//!   row to [`IntakeBuilder`](kpichain::IntakeBuilder), every problem at the table's row;
//! - [`records`]: a table of raw records read by each field's declared kind and fed to the
//!   plan's record builder;
//! - [`batch`]: a wide table read straight into the core's columnar batch;
//! - [`results`]: an evaluation (or a columnar batch's scores) as Arrow record batches,
//!   numbers as exact `Decimal128` (or `Float64`) columns.
//!
//! No I/O and no foreign-language types: the host imports and exports the batches.

pub mod batch;
mod column;
pub mod intake;
pub mod records;
pub mod results;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

pub use column::Column;

/// A table: its schema and record batches (as an Arrow C stream delivers them).
#[derive(Debug, Clone)]
pub struct Table {
    /// The columns' names and types.
    pub schema: SchemaRef,
    /// The rows, batch by batch.
    pub batches: Vec<RecordBatch>,
}
