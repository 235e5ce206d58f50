//! Tenant ids kept in one buffer ([`IdList`]: the ids end to end and where each ends, 8 bytes
//! a tenant besides its text, where a `String` each took 24 and a heap chunk of at least 32),
//! and the table that finds an id's index ([`IdIndex`]: the indices alone, each id's text read
//! from the list, where a map keyed by a copy of every id took 32 bytes a bucket and a chunk).

use std::hash::{BuildHasher, RandomState};
use std::ops::Index;

use hashbrown::HashTable;

/// Strings in order of their index, in one buffer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IdList {
    text: String,
    /// Per id, where it ends in `text`.
    ends: Vec<usize>,
}

impl IdList {
    /// How many ids it holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends `id` as the next index.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// Id `u`, if there is one.
    pub fn get(&self, u: usize) -> Option<&str> {
        let end = *self.ends.get(u)?;
        let start = if u == 0 { 0 } else { self.ends[u - 1] };
        Some(&self.text[start..end])
    }

    /// The ids in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|u| &self[u])
    }

    /// The bytes it holds (`engine/footprint.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + super::footprint::flat(&self.ends)
    }
}

impl Index<usize> for IdList {
    type Output = str;

    fn index(&self, u: usize) -> &str {
        self.get(u).expect("an id of the list")
    }
}

impl<'a> FromIterator<&'a str> for IdList {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut list = IdList::default();
        for id in iter {
            list.push(id);
        }
        list
    }
}

/// Finds an id's index in an [`IdList`]: a hash table of indices, whose keys are the list's.
#[derive(Default)]
pub struct IdIndex {
    table: HashTable<u32>,
    hasher: RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdIndex")
            .field("len", &self.table.len())
            .finish()
    }
}

impl IdIndex {
    /// The index of `id` in `ids` (which every index inserted came from).
    pub fn get(&self, ids: &IdList, id: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&u| ids[u as usize].as_bytes() == id)
            .copied()
    }

    /// Records index `u` of `ids`, an id not yet recorded.
    pub fn insert(&mut self, ids: &IdList, u: u32) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(ids[u as usize].as_bytes());
        self.table
            .insert_unique(hash, u, |&v| hasher.hash_one(ids[v as usize].as_bytes()));
    }

    /// The bytes its table holds: a power-of-two number of buckets, an index and a control
    /// byte each, and a group of control bytes (hashbrown's layout).
    pub(crate) fn heap_bytes(&self) -> usize {
        crate::engine::footprint::hash_table(self.table.capacity(), std::mem::size_of::<u32>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_one_buffer_read_back_and_are_found() {
        let mut ids = IdList::default();
        let mut index = IdIndex::default();
        for (u, id) in ["a", "", "tenant-2", "a2"].into_iter().enumerate() {
            ids.push(id);
            index.insert(&ids, u as u32);
        }
        assert_eq!(ids.len(), 4);
        assert_eq!(
            (&ids[0], &ids[1], &ids[2], &ids[3]),
            ("a", "", "tenant-2", "a2")
        );
        assert_eq!(ids.get(4), None);
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["a", "", "tenant-2", "a2"]);
        assert_eq!(index.get(&ids, b"tenant-2"), Some(2));
        assert_eq!(index.get(&ids, b""), Some(1));
        assert_eq!(index.get(&ids, b"a2"), Some(3));
        assert_eq!(index.get(&ids, b"tenant"), None);
        // 1 + 0 + 8 + 2 bytes of text, four ends of 8 bytes
        assert_eq!(ids.text.len(), 11);
        assert!(ids.heap_bytes() >= 11 + 32);
        let same: IdList = ["a", "", "tenant-2", "a2"].into_iter().collect();
        assert_eq!(same, ids);
    }

    #[test]
    fn the_index_finds_every_id_after_growing() {
        let mut ids = IdList::default();
        let mut index = IdIndex::default();
        for u in 0..1000u32 {
            ids.push(&format!("t-{u:04}"));
            index.insert(&ids, u);
        }
        for u in (0..1000u32).step_by(37) {
            assert_eq!(index.get(&ids, format!("t-{u:04}").as_bytes()), Some(u));
        }
        assert_eq!(index.get(&ids, b"t-1000"), None);
        // 1000 indices: 1024 * 8/7 rounded up to 2048 buckets of 5 bytes, and a group
        assert_eq!(index.heap_bytes(), 2048 * 5 + 16);
    }
}
