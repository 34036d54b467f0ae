//! `sitroom contact`: contacts (kontakter): add, search, import CSV/vCard, export CSV

use crate::app::Session;
use crate::cli::common::{export, import, ExportArgs, ImportArgs};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::domain::contact::{Contact, NewContact};
use crate::text::safe_line;
use clap::Subcommand;

// ---- contacts -----------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ContactCmd {
    /// Add a contact; prints its number
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "org", default_value = "")]
        organisation: String,
        /// What they do: kommunedirektør, beredskapsleder …
        #[arg(long, default_value = "")]
        function: String,
        /// A phone number (repeat for more; the first gets SMS alerts)
        #[arg(long = "phone")]
        phones: Vec<String>,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// A group (repeat, or separate with commas)
        #[arg(long = "group", value_delimiter = ',')]
        groups: Vec<String>,
        /// The sitroom user this contact is: copies of messages to them go here
        #[arg(long, default_value = "", value_name = "USER")]
        account: String,
    },
    /// List contacts (alphabetical, æ ø å last)
    List {
        /// Only this group
        #[arg(long)]
        group: Option<String>,
    },
    /// Search every field; all words must match, case and accents aside
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one contact
    Show { number: i64 },
    /// Change a contact (given fields replace the old ones)
    Edit {
        number: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "org")]
        organisation: Option<String>,
        #[arg(long)]
        function: Option<String>,
        #[arg(long = "phone")]
        phones: Vec<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long = "group", value_delimiter = ',')]
        groups: Vec<String>,
        /// The sitroom user this contact is ("" for none)
        #[arg(long, value_name = "USER")]
        account: Option<String>,
    },
    /// Remove a contact that is on no alert list
    Remove { number: i64 },
    /// Import a CSV (comma or semicolon) or vCard file; nothing is stored if a row is bad
    Import(ImportArgs),
    /// Export every contact as CSV
    Export(ExportArgs),
}

pub fn print_contact(out: Out<'_>, c: &Contact) -> Result<(), CliError> {
    let mut line = format!("{:>4}  {}", c.number, safe_line(&c.name));
    for extra in [&c.function, &c.organisation] {
        if !extra.is_empty() {
            line.push_str(&format!(", {}", safe_line(extra)));
        }
    }
    if !c.phones.is_empty() {
        line.push_str(&format!("  tlf {}", safe_line(&c.phones.join(", "))));
    }
    if !c.email.is_empty() {
        line.push_str(&format!("  {}", safe_line(&c.email)));
    }
    if !c.groups.is_empty() {
        line.push_str(&format!("  [{}]", safe_line(&c.groups.join(", "))));
    }
    if !c.account.is_empty() {
        line.push_str(&format!("  @{}", safe_line(&c.account)));
    }
    writeln!(out, "{line}").map_err(io)
}

pub fn run(s: &mut Session, cmd: ContactCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        ContactCmd::Add { name, organisation, function, phones, email, notes, groups, account } => {
            let new = NewContact { name, organisation, function, phones, email, notes, groups, account };
            let c = s.add_contact(new)?;
            p.number_or_json(out, c.number, &c).map_err(io)?;
        }
        ContactCmd::List { group } => {
            let fold = |g: &str| crate::text::fold(g.trim());
            let list: Vec<Contact> = s
                .contacts()?
                .into_iter()
                .filter(|c| group.as_deref().is_none_or(|g| c.groups.iter().any(|h| fold(h) == fold(g))))
                .collect();
            either(out, p, &list, |out| list.iter().try_for_each(|c| print_contact(out, c)))?;
        }
        ContactCmd::Search { query, limit } => {
            let list = s.search_contacts(&query.join(" "), limit)?;
            either(out, p, &list, |out| list.iter().try_for_each(|c| print_contact(out, c)))?;
        }
        ContactCmd::Show { number } => {
            let c = s.contact(number)?;
            if p.json {
                json(out, &c)?;
            } else {
                print_contact(out, &c)?;
                if !c.notes.is_empty() {
                    writeln!(out, "      {}", crate::text::safe(&c.notes)).map_err(io)?;
                }
            }
        }
        ContactCmd::Edit { number, name, organisation, function, phones, email, notes, groups, account } => {
            let c = s.update_contact(number, |c| {
                if let Some(v) = name {
                    c.name = v;
                }
                if let Some(v) = organisation {
                    c.organisation = v;
                }
                if let Some(v) = function {
                    c.function = v;
                }
                if !phones.is_empty() {
                    c.phones = phones;
                }
                if let Some(v) = email {
                    c.email = v;
                }
                if let Some(v) = notes {
                    c.notes = v;
                }
                if !groups.is_empty() {
                    c.groups = groups;
                }
                if let Some(v) = account {
                    c.account = v;
                }
            })?;
            either(out, p, &c, |out| print_contact(out, &c))?;
        }
        ContactCmd::Remove { number } => {
            let c = s.remove_contact(number)?;
            p.number_or_json(out, c.number, &c).map_err(io)?;
        }
        ContactCmd::Import(args) => return import(out, p, &args, |data, skip| s.import_contacts(data, skip)),
        ContactCmd::Export(args) => return export(out, &args, s.export_contacts()),
    }
    Ok(true)
}
