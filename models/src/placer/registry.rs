//! Placers of one's own (DESIGN.md 6.1): a downstream crate registers a placer by name
//! ([`register`]) before it loads a scenario, and the scenario names it like a built-in one
//! ([`super::build`] looks here after the built-ins). A placer is registered as a factory, so
//! that every model and every parallel run builds its own instance from the run's seed and
//! runs stay deterministic.
//!
//! Architecture invariant: the registry holds names and factories only, never a placer; it is
//! the one piece of process-wide state of the placers, written before any run reads it.

use std::sync::{Arc, RwLock};

use super::{Placer, KNOWN};
use crate::expr::Call;

/// Builds a placer from its scenario expression and the run's seed (mixed with the model's
/// name), or says why the expression is wrong.
pub type Factory = Arc<dyn Fn(&Call, u64) -> Result<Box<dyn Placer>, String> + Send + Sync>;

/// At most this many placers registered in a process.
pub const MAX_REGISTERED: usize = 256;

static REGISTERED: RwLock<Vec<(String, Factory)>> = RwLock::new(Vec::new());

/// Registers `factory` under `name` (a name as scenarios write them: letters, digits, `-`
/// and `_`, starting with a letter), so that `placer = "name"` or `placer = "name(k = v)"`
/// builds it. A built-in name, a name registered already, a name that is not a name, or more
/// than [`MAX_REGISTERED`] placers is an error.
pub fn register<F>(name: &str, factory: F) -> Result<(), String>
where
    F: Fn(&Call, u64) -> Result<Box<dyn Placer>, String> + Send + Sync + 'static,
{
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "placer name `{name}`: expected letters, digits, - and _, starting with a letter"
        ));
    }
    if KNOWN.iter().any(|k| k.split('(').next() == Some(name)) {
        return Err(format!(
            "placer `{name}` is built in; register another name"
        ));
    }
    let mut all = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    if all.iter().any(|(n, _)| n == name) {
        return Err(format!("placer `{name}` is registered already"));
    }
    if all.len() >= MAX_REGISTERED {
        return Err(format!(
            "more than {MAX_REGISTERED} placers registered, the most allowed"
        ));
    }
    all.push((name.to_string(), Arc::new(factory)));
    Ok(())
}

/// The factory registered under `name`, if any.
pub(super) fn lookup(name: &str) -> Option<Factory> {
    let all = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    all.iter().find(|(n, _)| n == name).map(|(_, f)| f.clone())
}

/// The names registered, in registration order.
pub fn registered() -> Vec<String> {
    let all = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    all.iter().map(|(n, _)| n.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{build, Decision, NodeView, Request};
    use super::*;

    /// Always opens a node: the simplest placer of one's own.
    struct AlwaysOpen;

    impl Placer for AlwaysOpen {
        fn place(&mut self, _: &Request<'_>, _: &dyn NodeView) -> Decision {
            Decision::Open
        }
    }

    #[test]
    fn a_registered_placer_builds_by_name_and_is_listed() {
        register("always-open-test", |call: &Call, _seed| {
            if call.args.is_empty() {
                Ok(Box::new(AlwaysOpen) as Box<dyn Placer>)
            } else {
                Err("placer `always-open-test` takes no arguments".into())
            }
        })
        .unwrap();
        assert!(build(&Call::parse("always-open-test").unwrap(), 0).is_ok());
        let e = build(&Call::parse("always-open-test(k = 1)").unwrap(), 0)
            .err()
            .unwrap();
        assert_eq!(e, "placer `always-open-test` takes no arguments");
        // an unknown name lists the built-ins and the registered ones
        let e = build(&Call::parse("nope").unwrap(), 0).err().unwrap();
        assert!(
            e.starts_with("unknown placer `nope`; known placers: first-fit"),
            "{e}"
        );
        assert!(e.contains("always-open-test"), "{e}");
        assert!(registered().contains(&"always-open-test".to_string()));
    }

    #[test]
    fn bad_registrations_are_refused() {
        let f = |_: &Call, _: u64| Ok(Box::new(AlwaysOpen) as Box<dyn Placer>);
        assert_eq!(
            register("best-fit", f).unwrap_err(),
            "placer `best-fit` is built in; register another name"
        );
        assert!(register("1st", f)
            .unwrap_err()
            .contains("starting with a letter"));
        assert!(register("a b", f).unwrap_err().contains("expected letters"));
        register("twice-test", f).unwrap();
        assert_eq!(
            register("twice-test", f).unwrap_err(),
            "placer `twice-test` is registered already"
        );
    }
}
