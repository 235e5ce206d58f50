//! A stretch of steps with no tenant present, in closed form ([`ModelRun::idle`]), and what
//! every step holds whether tenants are present or not: a fixed cluster opened when the
//! warm-up ends, the open nodes' capacity.

use super::*;

impl ModelRun {
    /// Opens a fixed cluster's brokers at `t`, the first step after the warm-up, unless
    /// nodes are open already.
    pub(super) fn open_fixed_cluster(&mut self, t: Time) -> Result<(), LimitError> {
        if self.nodes.open.is_empty() {
            if let Some(b) = self.kind.fixed_cluster(&self.spec) {
                for _ in 0..b {
                    self.open_node(self.spec.node_type, t)?;
                }
            }
        }
        Ok(())
    }

    /// Adds the open nodes' capacity held for `seconds` to the totals.
    pub(super) fn hold_capacity(&mut self, seconds: f64) {
        self.refresh_open_capacity();
        for (c, &cap) in self
            .totals
            .capacity_seconds
            .iter_mut()
            .zip(&self.nodes.open_capacity)
        {
            *c += cap * seconds;
        }
    }

    /// Brings [`Nodes::open_capacity`] up to date after nodes opened or closed.
    pub(super) fn refresh_open_capacity(&mut self) {
        if self.nodes.open_capacity_stale {
            self.nodes.open_capacity_stale = false;
            let r = self.r();
            self.nodes.open_capacity.fill(0.0);
            for (n, cap) in self.nodes.cap.chunks_exact(r.max(1)).enumerate() {
                if self.nodes.open[n] {
                    for (sum, &c) in self.nodes.open_capacity.iter_mut().zip(cap) {
                        *sum += c;
                    }
                }
            }
        }
    }

    /// What [`Self::step`] does over `steps` steps of `dt` seconds from `t_first` at which no
    /// tenant is present and nothing happens (the driver jumps over such a stretch in one go),
    /// in closed form: the nodes held over them are held (their cost counted in steps), the
    /// capacity held is added `steps` times over at once, the series move on; a fixed cluster
    /// that the warm-up's end opens, opens. Nothing else changes in a step without tenants.
    pub fn idle(&mut self, t_first: Time, steps: u64, dt: f64, tenants: &Tenants) {
        if self.error.is_some() || steps == 0 {
            return;
        }
        if let Err(e) = self.idle_checked(t_first, steps, dt, tenants) {
            self.error = Some(e);
        }
    }

    pub(super) fn idle_checked(
        &mut self,
        t_first: Time,
        steps: u64,
        dt: f64,
        tenants: &Tenants,
    ) -> Result<(), LimitError> {
        debug_assert!(
            self.pending.is_empty(),
            "no tenant waits for the warm-up's batch"
        );
        self.dt = dt;
        if self.by_tenant.held > 0 {
            self.flush_held(tenants);
        }
        // nodes fail and are repaired with no tenant present too (nothing waits: no entry is
        // placed)
        self.apply_node_events(t_first.saturating_add((steps as i64).saturating_mul(self.step)))?;
        let warm_end = *self
            .warm_end
            .get_or_insert(t_first.saturating_add(self.spec.warmup_seconds));
        // the steps of the warm-up profile the present tenants only: there are none
        let warming = if t_first >= warm_end {
            0
        } else {
            ((warm_end - t_first) as u64).div_ceil(self.step as u64)
        };
        if warming >= steps {
            return Ok(());
        }
        let live = steps - warming;
        let t_live = t_first + warming as i64 * self.step;
        let t_last = t_first + (steps - 1) as i64 * self.step;
        self.open_fixed_cluster(t_live)?;
        // the buckets the series would have moved through, merged as they would have been
        self.bucket = self.bucket_of(t_last);
        self.hold_capacity(dt * live as f64);
        let live = u32::try_from(live).expect("the driver keeps runs under 2^32 steps");
        for (acc, (open, entries)) in self
            .nodes
            .acc
            .iter_mut()
            .zip(self.nodes.open.iter().zip(&self.nodes.entries))
        {
            debug_assert!(
                !*open || entries.is_empty(),
                "no entry without a tenant present"
            );
            if *open {
                acc.steps += live;
            }
        }
        self.totals.nodes_peak = self.totals.nodes_peak.max(self.nodes.open_count);
        Ok(())
    }
}
