//! Taking pushes in, whatever the store: the line pushes wait in (group commit: whoever
//! gets the store next takes every push waiting, in one transaction), and who pushes as
//! the judge needs them. The stores say only how to look people up and how to commit.

use super::{Principal, Pushed, Result, ServerError};
use crate::replication::authorize;
use crate::replication::Op;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Where a push's outcome is left for its sender.
type Slot = Arc<Mutex<Option<Result<Pushed>>>>;

/// A push waiting for the store.
pub struct Waiting {
    pub who: Principal,
    pub ops: Vec<Op>,
    slot: Slot,
}

/// The pushes waiting for the store.
#[derive(Default)]
pub struct Line {
    waiting: Mutex<Vec<Waiting>>,
}

impl Line {
    /// Push `ops` for `who`. The push waits in line; `lock` waits for the store. Whoever
    /// gets the store next takes every push waiting (this one too, unless one before it
    /// did) with `take`, in one transaction: a push that came while another was being
    /// flushed shares the next flush instead of waiting for one of its own.
    pub fn push<G>(
        &self,
        who: &Principal,
        ops: &[Op],
        lock: impl FnOnce() -> G,
        take: impl FnOnce(&mut G, &[Waiting]) -> Vec<Result<Pushed>>,
    ) -> Result<Pushed> {
        if ops.is_empty() {
            return Ok(Default::default());
        }
        let slot: Slot = Default::default();
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(Waiting {
            who: who.clone(),
            ops: ops.to_vec(),
            slot: slot.clone(),
        });
        let mut store = lock();
        if let Some(done) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return done;
        }
        let batch = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        let mut done = take(&mut store, &batch);
        // This push's transaction committed them all: the metrics count commits.
        if let Some(Ok(first)) = done.first_mut() {
            first.committed = batch.len();
        }
        // Each outcome is left before the store is let go: a sender that gets the
        // store next must find its own.
        for (waiting, pushed) in batch.iter().zip(done) {
            *waiting.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(pushed);
        }
        drop(store);
        let done = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        done.unwrap_or_else(|| Err(ServerError::Internal("a push was lost in line".into())))
    }
}

/// What the judge needs to look up about the people behind ops.
pub trait Directory {
    /// A replica's registered key, and whether `account` has signed in there.
    fn replica_key(&mut self, origin: &str, account: &str) -> Result<Option<(String, bool)>>;
    /// The account (device and origin left empty), if there is one.
    fn account(&mut self, name: &str) -> Result<Option<Principal>>;
    /// Of these account names, those there are, each with its organisation's name (one
    /// question, however many names).
    fn accounts_named(&mut self, names: &[String]) -> Result<Vec<(String, String)>>;
    /// Of these organisation names, those there are (one question).
    fn orgs_named(&mut self, names: &[String]) -> Result<Vec<String>>;
}

/// Who pushes, as the judge needs them: the account, the ops of other replicas (carried
/// here in a bundle) that their own replicas signed, and those ops' authors.
pub struct Pusher<'w> {
    who: &'w Principal,
    vouched: Vec<Uuid>,
    authors: std::collections::BTreeMap<String, Option<Principal>>,
    /// Whom the new messages of the push name, as the server has them.
    named: Named,
}

/// The people (each with their organisation's name) and the organisations that the new
/// messages of a push name and that the server has.
#[derive(Default)]
struct Named {
    people: std::collections::BTreeMap<String, String>,
    orgs: std::collections::BTreeSet<String>,
}

impl Named {
    /// Looked up in two questions for the whole push. Only messages within the shape's
    /// bounds count: one that names more is refused by its shape, and a crafted push of
    /// a hundred thousand names must not make a hundred thousand lookups.
    fn of(dir: &mut dyn Directory, ops: &[Op]) -> Result<Named> {
        use crate::domain::message::{Addressees, MAX_ADDRESSEES};
        let (mut people, mut orgs) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        for op in ops.iter().filter(|op| is_new_message(op)) {
            let (users, to_orgs) = (
                Addressees::from_list(op.field_str("to_users").unwrap_or("[]")),
                Addressees::from_list(op.field_str("to_orgs").unwrap_or("[]")),
            );
            if users.len() + to_orgs.len() <= MAX_ADDRESSEES {
                people.extend(users);
                orgs.extend(to_orgs);
            }
        }
        if people.is_empty() && orgs.is_empty() {
            return Ok(Named::default());
        }
        let people: Vec<String> = people.into_iter().collect();
        let orgs: Vec<String> = orgs.into_iter().collect();
        Ok(Named {
            people: dir.accounts_named(&people)?.into_iter().collect(),
            orgs: dir.orgs_named(&orgs)?.into_iter().collect(),
        })
    }

    /// A new message names, as people, only those of the writer's organisation (of
    /// `org`), or of the thread it answers (its writer and those it went to), and
    /// organisations there are. Anyone else is refused the same way whether the name is
    /// an account elsewhere or none: the answer tells nothing of other organisations'
    /// people, and a name no one has yet would reach whoever took it later.
    fn judge(
        &self,
        org: &str,
        superadmin: bool,
        op: &Op,
        facts: &authorize::Target,
    ) -> std::result::Result<(), String> {
        use crate::domain::message::Addressees;
        if !is_new_message(op) {
            return Ok(());
        }
        let in_thread = |name: &str| {
            facts.message.as_ref().is_some_and(|m| m.author == name || m.to.users.iter().any(|u| u == name))
        };
        for name in Addressees::from_list(op.field_str("to_users").unwrap_or("[]")) {
            let known = match self.people.get(&name) {
                Some(theirs) => superadmin || theirs == org || in_thread(&name),
                None => false,
            };
            if !known {
                return Err(format!(
                    "the message is to '{name}', who is no one of {org} nor of the thread it answers"
                ));
            }
        }
        for name in Addressees::from_list(op.field_str("to_orgs").unwrap_or("[]")) {
            if !self.orgs.contains(&name) {
                return Err(format!("the message is to '{name}', which is no organisation on this server"));
            }
        }
        Ok(())
    }
}

fn is_new_message(op: &Op) -> bool {
    op.kind == crate::replication::Kind::Message && op.action == crate::replication::Action::Create
}

impl<'w> Pusher<'w> {
    /// Ops of other replicas count only with their own replica's signature, by the key
    /// it registered, for an account that signed in there; and then they must be
    /// allowed to their author as well as to the sender.
    pub fn new(dir: &mut dyn Directory, who: &'w Principal, ops: &[Op]) -> Result<Pusher<'w>> {
        let mut vouched = Vec::new();
        let mut authors: std::collections::BTreeMap<String, Option<Principal>> = Default::default();
        for op in ops.iter().filter(|op| op.origin != who.origin && !op.sig.is_empty()) {
            let Some((key, signed_in)) = dir.replica_key(&op.origin, &op.author)? else { continue };
            if signed_in && crate::keys::verify(&key, &op.signed_bytes(), &op.sig) {
                vouched.push(op.id);
                if !authors.contains_key(&op.author) {
                    let author = dir.account(&op.author)?;
                    let author = author.map(|a| Principal {
                        device: op.device.clone(),
                        origin: op.origin.clone(),
                        ..a
                    });
                    authors.insert(op.author.clone(), author);
                }
            }
        }
        vouched.sort();
        let named = Named::of(dir, ops)?;
        Ok(Pusher { who, vouched, authors, named })
    }

    pub fn judge(&self, op: &Op, facts: &authorize::Target) -> std::result::Result<(), authorize::Refusal> {
        let who = self.who;
        let account = authorize::Account {
            name: &who.name,
            org: &who.org_id,
            org_name: &who.org,
            roles: &who.roles,
            superadmin: who.superadmin,
            origin: &who.origin,
            device: &who.device,
            vouched: &self.vouched,
        };
        authorize::judge(&account, op, facts)?;
        if op.origin == who.origin {
            return Ok(self.named.judge(&who.org, who.superadmin, op, facts)?);
        }
        let Some(Some(author)) = self.authors.get(&op.author) else {
            return Err(authorize::Refusal::Denied(format!(
                "there is no account '{}' on this server",
                op.author
            )));
        };
        let as_author = authorize::Account {
            name: &author.name,
            org: &author.org_id,
            org_name: &author.org,
            roles: &author.roles,
            superadmin: author.superadmin,
            origin: &op.origin,
            device: &op.device,
            vouched: &[],
        };
        authorize::judge(&as_author, op, facts)?;
        Ok(self.named.judge(&author.org, author.superadmin, op, facts)?)
    }
}

/// Who sent each push of `batch`, looked up in `dir`.
pub fn pushers<'b>(dir: &mut dyn Directory, batch: &'b [Waiting]) -> Vec<Result<Pusher<'b>>> {
    batch.iter().map(|w| Pusher::new(dir, &w.who, &w.ops)).collect()
}

/// Judge and take the pushes of `batch` (sent by `pushers`) with `accept` (one
/// transaction, each push in a savepoint of its own); each one's outcome, in order.
pub fn take(
    batch: &[Waiting],
    pushers: &[Result<Pusher<'_>>],
    accept: impl FnOnce(
        &mut [crate::store::Push<'_>],
    ) -> crate::store::Result<Vec<crate::store::Result<crate::store::Applied>>>,
) -> Vec<Result<Pushed>> {
    // Only a push whose sender could be looked up is judged.
    let ready: Vec<(usize, &Pusher<'_>)> =
        pushers.iter().enumerate().filter_map(|(i, p)| p.as_ref().ok().map(|p| (i, p))).collect();
    let mut judges: Vec<_> =
        ready.iter().map(|(_, p)| move |op: &Op, facts: &authorize::Target| p.judge(op, facts)).collect();
    let mut pushes: Vec<crate::store::Push<'_>> = ready
        .iter()
        .zip(judges.iter_mut())
        .map(|((i, _), judge)| crate::store::Push { ops: &batch[*i].ops, org: &batch[*i].who.org_id, judge })
        .collect();
    let taken = accept(&mut pushes);
    drop(pushes);
    let mut taken: Vec<Option<Result<crate::store::Applied>>> = match taken {
        Ok(each) => each.into_iter().map(|r| Some(r.map_err(ServerError::from))).collect(),
        Err(e) => ready.iter().map(|_| Some(Err(ServerError::Internal(e.to_string())))).collect(),
    };
    let mut outcomes: Vec<Result<Pushed>> = Vec::with_capacity(batch.len());
    let mut next = 0;
    for pusher in pushers {
        if let Err(e) = pusher {
            outcomes.push(Err(ServerError::Internal(e.to_string())));
            continue;
        }
        let applied = taken[next].take().expect("each push taken once");
        next += 1;
        outcomes.push(applied.map(|applied| {
            let (mut refused, mut refused_as) = (applied.refused, applied.refused_as);
            if !applied.failed.is_empty() {
                *refused_as.entry("unappliable").or_default() += applied.failed.len();
                refused.extend(applied.failed);
            }
            Pushed { refused, refused_as, resent: applied.duplicates, committed: 0 }
        }));
    }
    outcomes
}
