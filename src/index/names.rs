//! Names: which item a path names where the crate defines that name more than once. Most
//! names are defined once and the index files them by name alone; a name several modules
//! define (an `entities::Connection` beside a `primary::Connection`) is filed under its crate
//! path too, and a path written in some module resolves to it through that module.

use super::{CrateIndex, Def, FileFacts, FnSig, IndexView, ItemRef};
use std::collections::HashSet;

/// The crate path of a path written in module `module`, as the key under which the index
/// files items whose name alone is ambiguous: `crate::entities::Connection` for
/// `crate::entities::Connection`, for `e::Connection` after `use crate::entities as e`, and for
/// `Connection` written in `entities`. A path that starts with neither `crate`, `self` nor
/// `super` is taken to start in `module`.
pub fn qualified(module: &[String], segments: &[String]) -> Option<String> {
    let (base, rest): (&[String], &[String]) = match segments.first()?.as_str() {
        "crate" => (&[], &segments[1..]),
        "self" => (module, &segments[1..]),
        "super" => {
            let ups = segments.iter().take_while(|s| *s == "super").count();
            (&module[..module.len().checked_sub(ups)?], &segments[ups..])
        }
        _ => (module, segments),
    };
    if rest.is_empty() {
        return None;
    }
    let mut key = String::from("crate");
    for s in base.iter().chain(rest) {
        key.push_str("::");
        key.push_str(s);
    }
    Some(key)
}

impl CrateIndex {
    /// Files the structs and enums whose name the crate defines in several modules, and their
    /// methods, under their crate paths too (`crate::entities::Connection`), so that a path
    /// naming one tells it apart. Only ambiguous names are filed twice: the rest need not be.
    pub(super) fn qualify_ambiguous(&mut self, files: &[&FileFacts], krate: &str) {
        let ambiguous: HashSet<String> =
            self.structs.iter().filter(|(_, d)| matches!(d, Def::Ambiguous)).map(|(n, _)| n.clone()).collect();
        if ambiguous.is_empty() {
            return;
        }
        self.has_ambiguous_structs = true;
        let is_ambiguous = |name: &str| ambiguous.contains(name.split("::").next().unwrap_or(name));
        for f in files {
            for s in f.structs.iter().filter(|s| is_ambiguous(&s.name)) {
                let module: Vec<String> = f.module.iter().chain(&s.inline).cloned().collect();
                if let Some(key) = qualified(&module, std::slice::from_ref(&s.name)) {
                    Def::merge_into(&mut self.structs, &key, s.fields.clone());
                }
            }
            for sig in &f.fns {
                let Some(owner) = sig.owner.as_deref().filter(|o| ambiguous.contains(*o)) else { continue };
                if sig.owner_path.last().map(String::as_str) != Some(owner) {
                    continue;
                }
                if let Some(key) = qualified(&sig.module, &sig.owner_path) {
                    let sig = FnSig { krate: krate.to_owned(), ..sig.clone() };
                    self.methods.entry((key, sig.name.clone())).or_default().push(sig);
                }
            }
        }
    }
}

impl<'a> IndexView<'a> {
    /// The view of the module function `sig` is written in, for the types of its signature
    /// (a `-> Connection` written in `entities` is that module's `Connection`, whoever calls).
    pub fn for_fn<'s>(&self, sig: &'s FnSig) -> IndexView<'s>
    where
        'a: 's,
    {
        let view = self.for_crate(&sig.krate);
        IndexView { file: view.krate, module: &sig.module, ..view }
    }

    /// The struct or enum a path names when the crate defines its name in several modules (two
    /// `Connection`s): the one at the path's crate path, filed under it.
    pub(super) fn qualified_struct(&self, segments: &[String]) -> Option<ItemRef> {
        if !self.krate.has_ambiguous_structs {
            return None;
        }
        // a bare name in a file's view is the file's own, or imported (and then not bare), or
        // glob-imported (and then unknown); in a module's view it is that module's
        if segments.len() == 1 && !std::ptr::eq(self.file, self.krate) {
            return None;
        }
        let name = segments.last()?;
        if !matches!(self.krate.structs.get(name), Some(Def::Ambiguous)) {
            return None;
        }
        let own_crate = segments[0] == self.name;
        let path: std::borrow::Cow<'_, [String]> = if own_crate {
            let mut path = segments.to_vec();
            path[0] = "crate".to_owned();
            path.into()
        } else {
            segments.into()
        };
        // a relative path starts in the file's module, or (2015 style) at the crate root
        let relative = !matches!(path[0].as_str(), "crate" | "self" | "super");
        let candidates = [qualified(self.module, &path), relative.then(|| qualified(&[], &path)).flatten()];
        let key =
            candidates.into_iter().flatten().find(|key| matches!(self.krate.structs.get(key), Some(Def::One(_))))?;
        Some(ItemRef { krate: self.name.to_owned(), name: key })
    }

    /// The name methods of the type a path names are filed under: its crate path where its
    /// name alone is ambiguous (see [`Self::qualified_struct`]), else its last segment.
    pub fn owner_key<'s>(&self, segments: &'s [String]) -> Option<std::borrow::Cow<'s, str>> {
        if let Some(item) = self.qualified_struct(segments) {
            return Some(std::borrow::Cow::Owned(item.name));
        }
        segments.last().map(|s| std::borrow::Cow::Borrowed(s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::qualified;

    fn q(module: &[&str], path: &str) -> Option<String> {
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        let path: Vec<String> = path.split("::").map(str::to_owned).collect();
        qualified(&module, &path)
    }

    #[test]
    fn paths_resolve_to_crate_paths_from_where_they_are_written() {
        assert_eq!(q(&["store"], "crate::entities::Connection").as_deref(), Some("crate::entities::Connection"));
        assert_eq!(q(&["store"], "super::entities::Connection").as_deref(), Some("crate::entities::Connection"));
        assert_eq!(q(&["db", "pg"], "super::super::Pool").as_deref(), Some("crate::Pool"));
        assert_eq!(q(&["entities"], "self::Connection").as_deref(), Some("crate::entities::Connection"));
        assert_eq!(q(&["entities"], "Connection").as_deref(), Some("crate::entities::Connection"));
        assert_eq!(q(&[], "Connection").as_deref(), Some("crate::Connection"));
        assert_eq!(q(&["store"], "jobs::Runner").as_deref(), Some("crate::store::jobs::Runner"));
    }

    #[test]
    fn paths_that_leave_the_crate_or_name_nothing_resolve_to_nothing() {
        assert_eq!(q(&["store"], "super::super::Pool"), None);
        assert_eq!(q(&["store"], "crate"), None);
        assert_eq!(q(&[], "self"), None);
    }
}
