//! Roles and what they may do: the one permission table the CLI, the TUI (and later
//! the sync server) all consult. A user has one or more roles; an action needs one
//! permission; a user may act when any of their roles grants it.

use super::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    #[serde(rename = "administrator")]
    Administrator,
    #[serde(rename = "beredskapsmedarbeider")]
    Beredskapsmedarbeider,
    #[serde(rename = "informasjonsmedarbeider")]
    Informasjonsmedarbeider,
    #[serde(rename = "kriseledelse")]
    Kriseledelse,
    #[serde(rename = "loggfører")]
    Loggforer,
    #[serde(rename = "eps")]
    Eps,
    #[serde(rename = "gjest")]
    Gjest,
}

pub const ALL_ROLES: [Role; 7] = [
    Role::Administrator,
    Role::Beredskapsmedarbeider,
    Role::Informasjonsmedarbeider,
    Role::Kriseledelse,
    Role::Loggforer,
    Role::Eps,
    Role::Gjest,
];

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Beredskapsmedarbeider => "beredskapsmedarbeider",
            Role::Informasjonsmedarbeider => "informasjonsmedarbeider",
            Role::Kriseledelse => "kriseledelse",
            Role::Loggforer => "loggfører",
            Role::Eps => "eps",
            Role::Gjest => "gjest",
        }
    }

    /// The Norwegian name, its plain-ASCII spelling, or the English word.
    pub fn parse(s: &str) -> Result<Role, Invalid> {
        let folded = crate::text::fold(s.trim());
        let role = match folded.as_str() {
            "administrator" | "admin" => Role::Administrator,
            "beredskapsmedarbeider" | "preparedness" => Role::Beredskapsmedarbeider,
            "informasjonsmedarbeider" | "information" | "communications" => Role::Informasjonsmedarbeider,
            "kriseledelse" | "crisis-management" | "crisis" => Role::Kriseledelse,
            "loggforer" | "logger" => Role::Loggforer,
            "eps" => Role::Eps,
            "gjest" | "guest" => Role::Gjest,
            _ => {
                let names: Vec<_> = ALL_ROLES.iter().map(|r| r.name()).collect();
                let (s, names) = (s.trim(), names.join(", "));
                return Err(Invalid::new(
                    format!("ukjent rolle «{s}»; rollene er {names}"),
                    format!("unknown role '{s}'; roles are {names}"),
                ));
            }
        };
        Ok(role)
    }
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Add users and change roles.
    ManageUsers,
    /// Open, close and reopen incidents.
    ManageIncidents,
    /// Write the incident log: entries and corrections.
    WriteLog,
    /// Record decisions (beslutninger) and mark entries significant (vesentlig): what
    /// the log's reader takes as what the staff decided and what mattered.
    Decide,
    /// Create, assign and move tasks.
    ManageTasks,
    /// Work the media queue.
    WorkMedia,
    /// Write reports and send them for approval.
    WriteReports,
    /// Approve or return a report (sitrep).
    ApproveReports,
    /// See and register evacuees and inquiries from next of kin (EPS).
    SeeEps,
    /// Keep the preparedness registers: contacts, resources, alert lists, action
    /// cards, plans, the ROS register.
    ManagePreparedness,
    /// Send an alert from an incident (varsling).
    SendAlerts,
    /// Make information boards and say who sees and writes on them.
    ManageBoards,
    /// Put up, change and take down notices, and set key figures, on the boards one
    /// may write on.
    PostNotices,
    /// Send and answer messages, and say one has read them.
    SendMessages,
}

impl Permission {
    pub const ALL: [Permission; 14] = [
        Permission::ManageUsers,
        Permission::ManageIncidents,
        Permission::WriteLog,
        Permission::Decide,
        Permission::ManageTasks,
        Permission::WorkMedia,
        Permission::WriteReports,
        Permission::ApproveReports,
        Permission::SeeEps,
        Permission::ManagePreparedness,
        Permission::SendAlerts,
        Permission::ManageBoards,
        Permission::PostNotices,
        Permission::SendMessages,
    ];
}

/// The permission table.
pub fn grants(role: Role, p: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Administrator => true,
        Role::Kriseledelse => {
            matches!(
                p,
                ManageIncidents
                    | WriteLog
                    | Decide
                    | ManageTasks
                    | WorkMedia
                    | WriteReports
                    | ApproveReports
                    | SeeEps
                    | ManagePreparedness
                    | SendAlerts
                    | ManageBoards
                    | PostNotices
                    | SendMessages
            )
        }
        Role::Beredskapsmedarbeider => {
            matches!(
                p,
                ManageIncidents
                    | WriteLog
                    | ManageTasks
                    | WriteReports
                    | ManagePreparedness
                    | SendAlerts
                    | ManageBoards
                    | PostNotices
                    | SendMessages
            )
        }
        Role::Informasjonsmedarbeider => {
            matches!(p, WriteLog | WorkMedia | WriteReports | PostNotices | SendMessages)
        }
        // The logger records what the staff decides, as it is said, and puts up what
        // everyone must know.
        Role::Loggforer => matches!(p, WriteLog | Decide | ManageTasks | PostNotices | SendMessages),
        Role::Eps => matches!(p, WriteLog | SeeEps | PostNotices | SendMessages),
        Role::Gjest => false,
    }
}

/// May someone with these roles do this?
pub fn allowed(roles: &[Role], p: Permission) -> bool {
    roles.iter().any(|r| grants(*r, p))
}

/// The roles that grant a permission, for the refusal message.
pub fn roles_granting(p: Permission) -> Vec<Role> {
    ALL_ROLES.into_iter().filter(|r| grants(*r, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn guests_write_nothing() {
        for p in Permission::ALL {
            assert!(!grants(Role::Gjest, p), "{p:?}");
            assert!(grants(Role::Administrator, p), "{p:?}");
        }
    }

    #[test]
    fn only_crisis_management_and_admin_approve() {
        assert_eq!(roles_granting(ApproveReports), vec![Role::Administrator, Role::Kriseledelse]);
    }

    #[test]
    fn eps_data_is_for_eps_crisis_management_and_admin() {
        assert_eq!(roles_granting(SeeEps), vec![Role::Administrator, Role::Kriseledelse, Role::Eps]);
    }

    #[test]
    fn the_logger_logs_and_records_tasks_but_does_not_manage_users() {
        assert!(allowed(&[Role::Loggforer], WriteLog));
        assert!(allowed(&[Role::Loggforer], ManageTasks));
        assert!(!allowed(&[Role::Loggforer], ManageUsers));
        assert!(!allowed(&[Role::Loggforer], ApproveReports));
        assert!(allowed(&[Role::Gjest, Role::Loggforer], WriteLog), "any role that grants it");
        assert!(!allowed(&[], WriteLog));
    }

    #[test]
    fn role_names_parse_in_norwegian_ascii_and_english() {
        assert_eq!(Role::parse("loggfører").unwrap(), Role::Loggforer);
        assert_eq!(Role::parse("Loggforer").unwrap(), Role::Loggforer);
        assert_eq!(Role::parse("guest").unwrap(), Role::Gjest);
        assert!(Role::parse("sjef").unwrap_err().to_string().contains("kriseledelse"));
    }
}
