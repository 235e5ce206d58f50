//! The cluster of a scenario: its `[[resources]]` and its node catalog (`[[nodes]]`). It knows
//! nothing of tenants, models or costs.

use std::collections::BTreeSet;

use overbook_models::catalog::NodeType;
use overbook_models::resource::{Isolation, Resource, ResourceKind};

use super::check::Checker;
use super::raw::{RawNode, RawResource};
use super::S;
use crate::error::InputError;

impl Checker<'_> {
    pub(super) fn resources(
        &self,
        raw: &S<Vec<S<RawResource>>>,
    ) -> Result<Vec<Resource>, InputError> {
        if raw.get_ref().is_empty() {
            return Err(self.err(raw.span(), "expected at least one `[[resources]]`"));
        }
        let mut seen = BTreeSet::new();
        let mut out = vec![];
        for r in raw.get_ref() {
            let r = r.get_ref();
            let name = r.name.get_ref();
            let valid = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !matches!(name.as_str(), "time" | "tenant" | "node" | "class");
            if !valid {
                return Err(self.err(
                    r.name.span(),
                    format!("resource name `{name}` must be letters, digits and `_`, and not time, tenant, node or class"),
                ));
            }
            if !seen.insert(name.clone()) {
                return Err(self.err(r.name.span(), format!("resource `{name}` is defined twice")));
            }
            let kind = match &r.kind {
                None => ResourceKind::Compressible,
                Some(k) => match k.get_ref().as_str() {
                    "compressible" => ResourceKind::Compressible,
                    "incompressible" => ResourceKind::Incompressible,
                    other => {
                        return Err(self.err(
                            k.span(),
                            format!("unknown resource kind `{other}`; expected compressible or incompressible"),
                        ))
                    }
                },
            };
            let isolation = match &r.isolation {
                None => Isolation::Cgroup,
                Some(k) => match k.get_ref().as_str() {
                    "cgroup" => Isolation::Cgroup,
                    "none" => Isolation::None,
                    other => {
                        return Err(self.err(
                            k.span(),
                            format!("unknown isolation `{other}`; expected cgroup or none"),
                        ))
                    }
                },
            };
            out.push(Resource {
                name: name.clone(),
                unit: r.unit.clone().unwrap_or_default(),
                kind,
                isolation,
            });
        }
        Ok(out)
    }

    pub(super) fn catalog(
        &self,
        raw: &S<Vec<S<RawNode>>>,
        resources: &[Resource],
    ) -> Result<Vec<NodeType>, InputError> {
        if raw.get_ref().is_empty() {
            return Err(self.err(raw.span(), "expected at least one node type in `[[nodes]]`"));
        }
        let mut out: Vec<NodeType> = vec![];
        for n in raw.get_ref() {
            let n = n.get_ref();
            if out.iter().any(|t| &t.name == n.name.get_ref()) {
                return Err(self.err(
                    n.name.span(),
                    format!("node type `{}` is defined twice", n.name.get_ref()),
                ));
            }
            let cap = self.per_resource(&n.capacity, resources, "capacity", &|v, k| {
                self.divisor(v, k)
            })?;
            let mut capacity = vec![];
            for (r, c) in cap.iter().enumerate() {
                match c {
                    Some(c) => capacity.push(*c),
                    None => {
                        return Err(self.err(
                            n.capacity.span(),
                            format!(
                                "node type `{}` has no capacity for resource `{}`",
                                n.name.get_ref(),
                                resources[r].name
                            ),
                        ))
                    }
                }
            }
            if capacity.iter().all(|&c| c == 0.0) {
                return Err(self.err(n.capacity.span(), "a node type needs some capacity"));
            }
            out.push(NodeType {
                name: n.name.get_ref().clone(),
                capacity,
                price_per_hour: self.price(&n.price_per_hour, "price_per_hour")?,
            });
        }
        for (r, res) in resources.iter().enumerate() {
            if out.iter().all(|t| t.capacity[r] <= 0.0) {
                return Err(self.err(
                    raw.span(),
                    format!("no node type has capacity for resource `{}`", res.name),
                ));
            }
        }
        Ok(out)
    }
}
