//! The irregular events of a step, applied at their time before the step that contains them
//! (DESIGN.md section 4), and what a model does on each: an arrival is placed by the model's
//! kind (`kinds/`), or waits for the warm-up's batch; a departure removes the tenant's
//! entries (a model that releases empty nodes closes them).
//!
//! A new kind of event is a variant of [`EventKind`] (`engine/mod.rs`, where the driver makes
//! it at its time), an arm of [`ModelRun::apply_event`] here, and what each model does on it,
//! asked of [`Kind`] and written in the model's file of `kinds/`.

use super::*;

impl ModelRun {
    /// Applies `event` of the step of `ctx`, during the warm-up or not (`warming`).
    pub(super) fn apply_event(
        &mut self,
        event: EventKind,
        ctx: &StepCtx<'_>,
        warming: bool,
    ) -> Result<(), LimitError> {
        match event {
            EventKind::Arrive(u) if warming => self.pending.push(u),
            EventKind::Arrive(u) => self.place(u as usize, ctx)?,
            EventKind::Depart(u) => {
                // a tenant still waiting for the warm-up's batch (during the warm-up, or at the
                // step that ends it) is not placed at all; a placed one is removed
                self.pending.retain(|&x| x != u);
                let r = self.r();
                if let Some(b) = &mut self.backlog {
                    b.depart(u as usize, r);
                }
                self.depart_replicas(u as usize);
                self.remove(u as usize, ctx.t)
            }
        }
        Ok(())
    }
}
