//! placeholder
use crate::topology::{Diagnostic, Topology};
pub fn check(_t: &Topology, _out: &mut Vec<Diagnostic>) {}
