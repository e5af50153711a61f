//! Reading one row by id and decoding it into the record the repositories answer with.

use crate::StoreError;
use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};

/// Row #`id` of entity `E`, decoded; `None` when there is none.
pub(crate) async fn find_decoded<E, T>(
    conn: &impl ConnectionTrait,
    id: i64,
    decode: impl FnOnce(E::Model) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError>
where
    E: EntityTrait,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(id).one(conn).await?.map(decode).transpose()
}
