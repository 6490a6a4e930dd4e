//! The clash check for a target whose names are all ASCII: the usual case,
//! and the one a release of 100,000 files takes.

use std::collections::HashMap;

use super::{Clash, Rule};
use crate::format::safepath::SafePath;

/// A name compared ignoring ASCII case (also [`super::Key::AsciiCase`]).
pub(super) struct Folded<'a>(pub(super) &'a str);

impl std::hash::Hash for Folded<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Folded<'_> {}

/// [`super::check_clashes`] where every name is ASCII, so the two rules that apply
/// (`Exact`, then `Ntfs`, which is ASCII case) share one map: a name equal
/// to another is equal ignoring case too. Finds the same clash, reported
/// the same way, with a third of the memory (a target of 100,000 files).
pub(super) fn check_clashes(paths: &[&SafePath]) -> Result<(), Clash> {
    let same = |j: u32, i: usize, rule| Clash::SameFile {
        first: paths[j as usize].as_str().to_owned(),
        second: paths[i].as_str().to_owned(),
        rule,
    };
    // Each name ignoring case, at its first index; the names that equal an
    // earlier one only ignoring case, by their exact spelling.
    let mut folded: HashMap<Folded, u32> = HashMap::with_capacity(paths.len());
    let mut case_twins: HashMap<&str, u32> = HashMap::new();
    let mut first_case: Option<(u32, usize)> = None;
    for (i, p) in paths.iter().enumerate() {
        let at = u32::try_from(i).expect("fewer files than the manifest limit");
        let Some(&j) = folded.get(&Folded(p.as_str())) else {
            folded.insert(Folded(p.as_str()), at);
            continue;
        };
        if paths[j as usize] == *p {
            return Err(same(j, i, Rule::Exact));
        }
        if let Some(&k) = case_twins.get(p.as_str()) {
            return Err(same(k, i, Rule::Exact));
        }
        case_twins.insert(p.as_str(), at);
        first_case.get_or_insert((j, i));
    }
    if let Some((j, i)) = first_case {
        return Err(same(j, i, Rule::Ntfs));
    }
    // Each directory's first spelling, ignoring case.
    let mut spelled: HashMap<Folded, &str> = HashMap::new();
    for p in paths {
        for dir in p.ancestors() {
            if let Some(&j) = folded.get(&Folded(dir)) {
                let file = paths[j as usize].as_str();
                return Err(Clash::FileAsDirectory {
                    file: file.to_owned(),
                    path: p.as_str().to_owned(),
                    rule: if file == dir { Rule::Exact } else { Rule::Ntfs },
                });
            }
            match spelled.get(&Folded(dir)) {
                Some(&first) if first != dir => {
                    return Err(Clash::DirectorySpelling {
                        first: first.to_owned(),
                        second: dir.to_owned(),
                        rule: Rule::Ntfs,
                    })
                }
                Some(_) => {}
                None => {
                    spelled.insert(Folded(dir), dir);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::check_rules;
    use crate::format::safepath::SafePath;
    use crate::Limits;

    /// Every small tree of a few confusable names gets the clash (or none)
    /// the one-map-per-rule check finds: same kind, same pair, same rule.
    #[test]
    fn finds_what_the_check_by_every_rule_finds() {
        const NAMES: [&str; 8] = ["a", "A", "a/b", "A/b", "a/B", "b", "a/b/c", "B/c"];
        let mut tried = 0;
        for mask in 1u32..(1 << NAMES.len()) {
            let chosen: Vec<&str> = (0..NAMES.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| NAMES[i])
                .collect();
            // Each subset in two orders, and with its first name twice.
            let mut orders = vec![chosen.clone(), chosen.iter().rev().copied().collect()];
            orders.push([&chosen[..], &chosen[..1]].concat());
            for names in orders {
                let paths: Vec<SafePath> = names
                    .iter()
                    .map(|n| SafePath::parse(n, &Limits::default()).unwrap())
                    .collect();
                let refs: Vec<&SafePath> = paths.iter().collect();
                assert_eq!(
                    super::check_clashes(&refs),
                    check_rules(&refs, true),
                    "{names:?}"
                );
                tried += 1;
            }
        }
        assert_eq!(tried, 3 * 255);
    }
}
