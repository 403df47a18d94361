//! Typed indices: a newtype over an integer for each kind of table entry,
//! so that a pool index cannot be passed where a job index is expected.

/// Defines `$id($repr)` with `new(index)` (panics past the type's width)
/// and `index()`. Ids are positions in their table, never reused.
macro_rules! index_id {
    ($(#[$meta:meta])* $id:ident, $repr:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $id(pub $repr);

        impl $id {
            /// The id of the `index`-th entry of its table.
            ///
            /// # Panics
            /// When `index` does not fit the id's width (more entries than
            /// the simulation supports).
            pub fn new(index: usize) -> $id {
                $id(<$repr>::try_from(index).expect(concat!(stringify!($id), " overflow")))
            }

            /// Position in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

pub(crate) use index_id;
