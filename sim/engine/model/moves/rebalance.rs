//! The threshold rebalancer (DESIGN.md 4.8; the module documentation of `moves.rs`): after a
//! step, the nodes that have stayed too busy move an entry off, each to a node its placer picks
//! among those that stay under the target with it.

use super::*;

impl ModelRun {
    /// After the step of `ctx` has been accounted: each node's measured utilization, its run
    /// of busy steps, and the moves that begin at the next step.
    pub(in crate::engine::model) fn rebalance(&mut self, ctx: &StepCtx<'_>) {
        let Some(rb) = self.moves.rebalance else {
            return;
        };
        self.measure_nodes(rb.high);
        let busiest = &self.moves.busiest;
        let mut hot: Vec<(f64, usize)> = (0..self.nodes.open.len())
            .filter(|&n| {
                self.moves.hot[n] >= rb.hold_steps
                    && self.nodes.live[n]
                    && self.nodes.moving[n] == 0
            })
            .map(|n| (busiest[n], n))
            .collect();
        // the busiest first, ties to the lowest id
        hot.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut begun = 0;
        for (_, n) in hot {
            if begun == rb.max_moves_per_step {
                break;
            }
            if self.nodes.moving[n] == 0 && self.move_off(n, rb.target, ctx) {
                self.moves.hot[n] = 0;
                begun += 1;
            }
        }
    }

    /// Each node's utilization of every resource this step (its delivered sum over its
    /// capacity) into `moves.util`, its busiest into `moves.busiest`, and its run of steps
    /// above `high`.
    fn measure_nodes(&mut self, high: f64) {
        let (r, count) = (self.r(), self.nodes.open.len());
        let mv = &mut self.moves;
        mv.hot.resize(count, 0);
        mv.seen.resize(count * r, 0.0);
        mv.util.resize(count * r, 0.0);
        mv.busiest.clear();
        mv.busiest.resize(count, 0.0);
        let busiest = &mut mv.busiest;
        for n in 0..count {
            for q in 0..r {
                let (sum, c) = (self.nodes.racc[n * r + q][0], self.nodes.cap[n * r + q]);
                let step = sum - std::mem::replace(&mut mv.seen[n * r + q], sum);
                let u = if c > 0.0 { (step / c).max(0.0) } else { 0.0 };
                mv.util[n * r + q] = u;
                busiest[n] = at_least(busiest[n], u);
            }
            let busy = self.nodes.live[n] && busiest[n] > high;
            mv.hot[n] = if busy { mv.hot[n] + 1 } else { 0 };
        }
    }

    /// Moves an entry off node `n`: the one whose admitted demand loads `n`'s busiest resource
    /// most (ties to the node's order) that has somewhere to go; returns whether one began.
    fn move_off(&mut self, n: usize, target: f64, ctx: &StepCtx<'_>) -> bool {
        let r = self.r();
        let util = &self.moves.util[n * r..(n + 1) * r];
        let q = (0..r)
            .max_by(|&a, &b| util[a].total_cmp(&util[b]).then(b.cmp(&a)))
            .expect("a resource");
        let local = &self.nodes.entries[n];
        let mut order: Vec<(f64, usize)> = local
            .slot
            .iter()
            .enumerate()
            .filter(|&(_, &j)| self.ents.down_until[j as usize] <= ctx.t)
            .map(|(i, &j)| (self.entry_admitted(j as usize, q, ctx), i))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (x, i) in order {
            if x <= 0.0 {
                break;
            }
            let j = self.nodes.entries[n].slot[i] as usize;
            if let Some(m) = self.destination(j, target, ctx) {
                self.begin_copy(j, Some(n), m);
                return true;
            }
        }
        false
    }

    /// Entry `j`'s admitted demand of resource `q` at the step of `ctx`.
    fn entry_admitted(&self, j: usize, q: usize, ctx: &StepCtx<'_>) -> f64 {
        let r = self.r();
        let u = self.ents.tenant[j] as usize;
        admitted_demand(
            ctx.tenants.demand(u)[q],
            self.ents.share[j * r + q],
            self.ents.cap[j * r + q],
        )
    }

    /// Where entry `j` may move: the node the placer picks ([`Self::fitting_node_for`])
    /// among the live nodes that no copy loads and whose every resource stays at most
    /// `target` with the entry's admitted demand.
    fn destination(&mut self, j: usize, target: f64, ctx: &StepCtx<'_>) -> Option<usize> {
        let r = self.r();
        let x: Vec<f64> = (0..r).map(|q| self.entry_admitted(j, q, ctx)).collect();
        let too_busy: Vec<usize> = (0..self.nodes.open.len())
            .filter(|&m| {
                let (cap, util) = (
                    &self.nodes.cap[m * r..(m + 1) * r],
                    &self.moves.util[m * r..(m + 1) * r],
                );
                !self.nodes.live[m]
                    || self.nodes.moving[m] > 0
                    || (0..r).any(|q| {
                        let with = if cap[q] > 0.0 {
                            util[q] + x[q] / cap[q]
                        } else if x[q] > 0.0 {
                            f64::INFINITY
                        } else {
                            0.0
                        };
                        with > target
                    })
            })
            .collect();
        self.fitting_node_avoiding(j, &too_busy)
    }
}
