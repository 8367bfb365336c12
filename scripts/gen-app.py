#!/usr/bin/env python3
"""Generate a synthetic cargo workspace for poolcheck's "every file is parsed" benchmark.

usage: gen-app.py DIR CRATES FUNCTIONS_PER_CRATE

Each crate depends on sqlx and on the previous crate; its functions take a `&PgPool`, acquire,
query, call the next function (a deep chain across the crate) and the previous crate's entry
point, so the index, the call graph and the summaries all have work. About 12 lines per function.
"""
import os
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, crates, funcs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(root, exist_ok=True)
    members = [f"svc{c}" for c in range(crates)]
    with open(os.path.join(root, "Cargo.toml"), "w") as f:
        f.write("[workspace]\nresolver = \"2\"\nmembers = [%s]\n" % ", ".join(f'"{m}"' for m in members))
    per_file = 50
    for c, name in enumerate(members):
        src = os.path.join(root, name, "src")
        os.makedirs(src, exist_ok=True)
        deps = 'sqlx = { version = "0.8", features = ["postgres"] }\n'
        if c > 0:
            deps += f'svc{c - 1} = {{ path = "../svc{c - 1}" }}\n'
        with open(os.path.join(root, name, "Cargo.toml"), "w") as f:
            f.write(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}')
        modules = []
        for start in range(0, funcs, per_file):
            mod = f"m{start // per_file}"
            modules.append(mod)
            lines = ["use sqlx::PgPool;", "", "pub type Db = PgPool;", ""]
            for i in range(start, min(start + per_file, funcs)):
                nxt = f"crate::m{(i + 1) // per_file}::f{i + 1}" if i + 1 < funcs else None
                lines += [
                    f"/// Step {i} of the chain.",
                    f"pub async fn f{i}(db: &Db, id: i64) -> sqlx::Result<i64> {{",
                    "    let mut conn = db.acquire().await?;",
                    "    let n: i64 = sqlx::query_scalar(\"SELECT $1\").bind(id).fetch_one(&mut *conn).await?;",
                    "    drop(conn);",
                ]
                if nxt:
                    lines.append(f"    let m = Box::pin({nxt}(db, n + 1)).await?;")
                else:
                    lines.append("    let m = n;")
                lines += ["    Ok(m)", "}", ""]
            with open(os.path.join(src, f"{mod}.rs"), "w") as f:
                f.write("\n".join(lines))
        with open(os.path.join(src, "lib.rs"), "w") as f:
            f.write("".join(f"pub mod {m};\n" for m in modules))


if __name__ == "__main__":
    main()
