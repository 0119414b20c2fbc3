//! Derived tables (`[tables.<name>] sql = "..."`): the order to build them
//! in, so each comes after the derived tables its query reads. File tables
//! are all loaded before any derived one, so only derived tables can depend
//! on each other.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};

/// The names of `queries`' tables (name → SQL) in an order where every
/// table comes after the tables its SQL names; ties in name order. A cycle
/// is an error naming it.
pub(super) fn load_order(queries: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let reads: BTreeMap<&str, BTreeSet<&str>> = queries
        .iter()
        .map(|(name, sql)| {
            let words = words(sql);
            let deps = queries
                .keys()
                .map(String::as_str)
                .filter(|other| words.contains(&other.to_ascii_lowercase()));
            (name.as_str(), deps.collect())
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while done.len() < queries.len() {
        let ready =
            reads.iter().find(|(name, deps)| !done.contains(*name) && deps.iter().all(|d| done.contains(d)));
        match ready {
            Some((name, _)) => {
                done.insert(name);
                order.push(name.to_string());
            }
            None => {
                let stuck: Vec<String> = reads
                    .keys()
                    .filter(|name| !done.contains(*name))
                    .map(|name| format!("`{name}` (key `tables.{name}.sql`) reads {}", list(&reads[name])))
                    .collect();
                bail!("derived tables read each other in a cycle: {}", stuck.join("; "));
            }
        }
    }
    Ok(order)
}

fn list(names: &BTreeSet<&str>) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The lower-cased identifiers of `sql`, outside string literals and
/// comments (a `'logins'` literal does not read table `logins`). Quoted
/// identifiers count by their text.
fn words(sql: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A literal; `''` inside is an escaped quote.
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            words.insert(chars[start..i.min(chars.len())].iter().collect::<String>().to_ascii_lowercase());
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            words.insert(chars[start..i].iter().collect::<String>().to_ascii_lowercase());
        } else {
            i += 1;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(pairs: &[(&str, &str)]) -> Result<Vec<String>> {
        load_order(&pairs.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect())
    }

    #[test]
    fn a_table_comes_after_the_derived_tables_it_reads() {
        let got = order(&[
            ("a_active", "SELECT * FROM z_users WHERE x IN (SELECT user_id FROM \"M_Logins\")"),
            ("m_logins", "SELECT * FROM events WHERE event = 'login'"),
            ("z_users", "SELECT * FROM events -- not from a_active\n"),
        ])
        .unwrap();
        assert_eq!(got, ["m_logins", "z_users", "a_active"]);
    }

    #[test]
    fn literals_and_comments_are_not_reads() {
        let got =
            order(&[("a", "SELECT 'it''s b' AS t /* b */ FROM events"), ("b", "SELECT * FROM a")]).unwrap();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn a_cycle_is_named() {
        let err =
            order(&[("a", "SELECT * FROM b"), ("b", "SELECT * FROM a"), ("c", "SELECT 1")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "derived tables read each other in a cycle: `a` (key `tables.a.sql`) reads `b`; `b` (key `tables.b.sql`) reads `a`"
        );
    }
}
