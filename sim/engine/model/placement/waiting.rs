//! Placement of an entry that waits for a node (DESIGN.md 4.7, 4.8): a failed node's shard or
//! container, or an entry a move takes elsewhere: the node the placer picks for its size and
//! profile among the live nodes its tenant does not hold.

use super::*;

impl ModelRun {
    /// Whether any node takes entries (open and not failed).
    pub(in crate::engine::model) fn any_live_node(&self) -> bool {
        self.nodes.live.iter().any(|&l| l)
    }

    /// A node for waiting entry `j` at `t`, as [`Self::choose`] picks one for its size and
    /// profile (opening one if the placer says so, or forcing the least loaded on a fixed
    /// cluster).
    pub(in crate::engine::model) fn choose_for(
        &mut self,
        j: usize,
        t: Time,
    ) -> Result<usize, LimitError> {
        let r = self.r();
        let u = self.ents.tenant[j] as usize;
        let size = self.ents.size[j * r..(j + 1) * r].to_vec();
        if self.nodes.profiles.is_some() {
            // the entry's own profile, taken whole (a share of 1)
            let w = PROFILE_BINS * r;
            self.sc.profile.clear();
            self.sc
                .profile
                .extend_from_slice(&self.ents.profile[j * w..(j + 1) * w]);
        }
        let whole = vec![1.0; r];
        self.choose(u, &size, &whole, self.spec.node_type, t)
    }

    /// A live node where waiting entry `j`'s size fits under the fill target, as the placer
    /// picks one, or `None` (nothing is opened).
    pub(in crate::engine::model) fn fitting_node_for(&mut self, j: usize) -> Option<usize> {
        self.fitting_node_avoiding(j, &[])
    }

    /// [`Self::fitting_node_for`] among the nodes not in `also` either.
    pub(in crate::engine::model) fn fitting_node_avoiding(
        &mut self,
        j: usize,
        also: &[usize],
    ) -> Option<usize> {
        let r = self.r();
        let u = self.ents.tenant[j] as usize;
        let size = self.ents.size[j * r..(j + 1) * r].to_vec();
        let mut avoid: Vec<usize> = self.tenant_entries[u]
            .iter()
            .map(|&k| self.ents.node[k as usize])
            .filter(|&n| n != PENDING)
            .map(|n| n as usize)
            .collect();
        avoid.extend_from_slice(also);
        let w = PROFILE_BINS * r;
        let profile = self
            .nodes
            .profiles
            .is_some()
            .then(|| self.ents.profile[j * w..(j + 1) * w].to_vec());
        // the tenant's fewest zones first, then any
        let zoned = self.spread_zones(u);
        let allowed = std::mem::take(&mut self.sc.zone_allowed);
        let mut found = None;
        for zones in [zoned.then_some(&allowed[..]), None] {
            let request = Request {
                size: &size,
                fill_target: self.spec.fill_target,
                avoid: &avoid,
                zones,
                profile: profile.as_deref(),
                who: who(
                    &self.spec,
                    &self.slo,
                    &self.resources,
                    &self.who,
                    u,
                    self.now,
                ),
            };
            if let Decision::Node(m) = self.placer.place(&request, &self.nodes) {
                if self.nodes.is_open(m) && request.fits(&self.nodes, m) {
                    found = Some(m);
                    break;
                }
            }
            if !zoned {
                break;
            }
        }
        self.sc.zone_allowed = allowed;
        found
    }
}
