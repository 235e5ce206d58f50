//! Resources: named dimensions with a unit and a kind.

/// Whether over-demand on a resource is slowed down or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// CPU, network, disk bandwidth: over-demand is served more slowly.
    Compressible,
    /// Memory, storage: over-demand fails (OOM kill, rejected write).
    Incompressible,
}

/// How well containers isolate a resource (DESIGN.md 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// cgroups enforce requests and limits (the default).
    Cgroup,
    /// Nothing isolates it (disk bandwidth, page cache): shared in proportion as on a broker.
    None,
}

/// One resource dimension of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Name, also the trace column that carries its demand.
    pub name: String,
    /// Unit, for reports only (`cores`, `GiB`, `MB/s`).
    pub unit: String,
    /// Compressible or incompressible.
    pub kind: ResourceKind,
    /// Container isolation of this resource.
    pub isolation: Isolation,
}

impl Resource {
    /// True for compressible resources.
    pub fn is_compressible(&self) -> bool {
        self.kind == ResourceKind::Compressible
    }
}
