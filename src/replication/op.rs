//! An op: one change to one record, the unit that replicas exchange. Ops are made by
//! the replica where the change happened and applied unchanged everywhere else;
//! applying one twice changes nothing (its id is remembered).

use super::hlc::Hlc;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

pub use super::kind::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// A new record with all its fields.
    #[serde(rename = "c")]
    Create,
    /// New values for some mutable fields of a record.
    #[serde(rename = "s")]
    Set,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Set => "set",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "create" => Some(Action::Create),
            "set" => Some(Action::Set),
            _ => None,
        }
    }
}

/// One change. Short field names: ops cross links of a few kbit/s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// (A client leaves out a create op's id, which is its record's: `wire::leave_out`.)
    #[serde(rename = "i", default, skip_serializing_if = "Uuid::is_nil")]
    pub id: Uuid,
    #[serde(rename = "h")]
    pub hlc: Hlc,
    /// The replica that made the change (its device id).
    /// (Author, device and origin may be left out by a client pushing its own ops:
    /// the server fills them in from the session; see `wire::leave_out`.)
    #[serde(rename = "o", default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    #[serde(rename = "a", default, skip_serializing_if = "String::is_empty")]
    pub author: String,
    /// The device as people see it (host name and replica), shown with entries.
    #[serde(rename = "d", default, skip_serializing_if = "String::is_empty")]
    pub device: String,
    #[serde(rename = "k")]
    pub kind: Kind,
    #[serde(rename = "e")]
    pub entity: Uuid,
    /// The incident the record belongs to (for an incident, itself): what the server
    /// checks organisation and role against.
    #[serde(rename = "n")]
    pub incident: Uuid,
    #[serde(rename = "x")]
    pub action: Action,
    /// Column name → value: every replicated column for a create, the changed ones
    /// for a set.
    #[serde(rename = "f")]
    pub fields: Map<String, Value>,
    /// For a set: per field, the ops whose value the writer saw and replaced. A change
    /// that did not see the current value is concurrent with it: a conflict.
    #[serde(rename = "b", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, Vec<Uuid>>,
    /// The signature of the replica that made the op over [`Op::signed_bytes`]
    /// (base64), for ops that travel without their replica's session: made when a
    /// bundle is written, kept wherever the op goes, checked by the server before it
    /// takes the op from anyone else. Empty otherwise.
    #[serde(rename = "g", default, skip_serializing_if = "String::is_empty")]
    pub sig: String,
}

impl Op {
    /// What a replica signs: every part of the op but the signature, in a fixed
    /// order (field names sorted), so every replica computes the same bytes.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let fields: BTreeMap<&String, &Value> = self.fields.iter().collect();
        let header = serde_json::json!([
            "sitroom-op/1",
            self.id,
            self.hlc.0,
            self.origin,
            self.author,
            self.device,
            self.kind.name(),
            self.entity,
            self.incident,
            self.action.name(),
        ]);
        let mut out = serde_json::to_vec(&header).expect("plain data");
        out.push(b'\n');
        out.extend(serde_json::to_vec(&fields).expect("plain data"));
        out.push(b'\n');
        out.extend(serde_json::to_vec(&self.base).expect("plain data"));
        out
    }

    /// The same op, as far as what it changes and who made it: the signature aside.
    pub fn same_as(&self, other: &Op) -> bool {
        self.signed_bytes() == other.signed_bytes()
    }

    /// The permission-relevant new status, if this op sets one.
    pub fn field_str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
}
