//! Users, roles and permission checks. While no users are registered the database is
//! in single-user mode: the local user may do everything, so a fresh install just
//! works. The first user added must be an administrator (someone must be able to
//! manage the rest); from then on every action checks the acting user's roles.

use super::{AppError, Result, Session};
use crate::domain::roles::{allowed, roles_granting, Permission, Role};
use crate::domain::Invalid;
use crate::i18n::Label;
use crate::store::User;
use chrono::Utc;

impl Session {
    /// The acting user's roles; `None` in single-user mode.
    pub fn roles(&self) -> Result<Option<Vec<Role>>> {
        if self.store.user_count()? == 0 {
            return Ok(None);
        }
        match self.store.user(&self.user)? {
            Some(u) if !u.disabled => Ok(Some(u.roles)),
            _ => Ok(Some(Vec::new())),
        }
    }

    /// May the acting user do this? Cheap: the TUI asks before showing a control.
    pub fn may(&self, p: Permission) -> Result<bool> {
        Ok(self.roles()?.is_none_or(|roles| allowed(&roles, p)))
    }

    /// Refuse with a message naming the user, the permission and the roles that have it.
    pub fn permit(&self, p: Permission) -> Result<()> {
        let Some(roles) = self.roles()? else { return Ok(()) };
        if allowed(&roles, p) {
            return Ok(());
        }
        let granting: Vec<&str> = roles_granting(p).iter().map(|r| r.name()).collect();
        let have: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        let (user, what, lang) = (&self.user, p.label().get(self.lang), self.lang);
        Err(AppError::Forbidden(if roles.is_empty() {
            crate::say!(
                lang,
                "{user} er ikke bruker i denne databasen og kan ikke {what}; en administrator legger deg til med `sitroom user add {user} --role …`",
                "{user} is not a user of this database and may not {what}; an administrator adds you with `sitroom user add {user} --role …`"
            )
        } else {
            let (have, granting) = (have.join(", "), granting.join(", "));
            crate::say!(
                lang,
                "{user} ({have}) har ikke lov til å {what}: det krever en av rollene {granting}",
                "{user} ({have}) may not {what}: that needs one of the roles {granting}"
            )
        }))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        Ok(self.store.users()?)
    }

    /// Add a user with roles. The first user must be an administrator.
    pub fn add_user(&mut self, name: &str, roles: &[Role]) -> Result<User> {
        let name = self.check_name(name)?;
        let roles = self.check_roles(roles)?;
        if self.store.user_count()? == 0 {
            if !roles.contains(&Role::Administrator) {
                return Err(self.invalid("den første brukeren må være administrator, så noen kan styre de andre (legg til --role administrator)", "the first user must be an administrator, so that someone can manage the others (add --role administrator)"));
            }
        } else {
            self.permit(Permission::ManageUsers)?;
        }
        Ok(self.store.put_user(&name, &roles, false, &self.user, &self.device, Utc::now())?)
    }

    /// Replace a user's roles. The last administrator keeps that role.
    pub fn set_roles(&mut self, name: &str, roles: &[Role]) -> Result<User> {
        self.permit(Permission::ManageUsers)?;
        let roles = self.check_roles(roles)?;
        let admins: Vec<String> = self
            .store
            .users()?
            .into_iter()
            .filter(|u| u.roles.contains(&Role::Administrator) && !u.disabled)
            .map(|u| u.name)
            .collect();
        if admins == [name] && !roles.contains(&Role::Administrator) {
            return Err(Invalid::new(
                format!("{name} er den siste administratoren og beholder den rollen"),
                format!("{name} is the last administrator and keeps that role"),
            )
            .into());
        }
        Ok(self.store.put_user(name, &roles, true, &self.user, &self.device, Utc::now())?)
    }
}

impl Session {
    fn check_name(&self, name: &str) -> Result<String> {
        let name = crate::text::nfc(name.trim());
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_control() || c == ',') {
            return Err(self.invalid(
                "et brukernavn er ren tekst på 1 til 64 tegn",
                "a user name is plain text of 1 to 64 characters",
            ));
        }
        Ok(name)
    }

    fn check_roles(&self, roles: &[Role]) -> Result<Vec<Role>> {
        let mut r = roles.to_vec();
        r.sort();
        r.dedup();
        if r.is_empty() {
            return Err(self.invalid("gi minst én rolle", "give at least one role"));
        }
        Ok(r)
    }
}
