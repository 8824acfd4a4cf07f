#!/usr/bin/env bash
# Counts the public surface of the library modules from their compiled classes:
# per package, the public types (nested ones included) and their public or protected
# methods and constructors as javap -protected shows them, and how many are handle*.
# Run after `mvn -q -DskipTests package`; prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "| package | exported | types | methods | handle* |"
echo "| --- | --- | ---: | ---: | ---: |"
for module in catalyst compiler dsl; do
  classes="$module/target/classes"
  [ -d "$classes" ] || { echo "no $classes: build first" >&2; exit 1; }
  find "$classes" -name '*.class' ! -name 'module-info.class' | sed "s|^$classes/||; s|\.class$||; s|/|.|g" | sort > /tmp/surface.$$
  info="$module/src/main/java/module-info.java"
  exports=$( [ -f "$info" ] && grep -E '^\s*exports ' "$info" | sed -E 's/^\s*exports ([a-z.]+) to .*;/\1=project/; s/^\s*exports ([a-z.]+);/\1=/' | tr '\n' ' ' )
  javap -protected -cp "$classes" $(cat /tmp/surface.$$) 2>/dev/null | awk -v exports="$exports" -v modular="$( [ -f "$info" ] && echo 1 )" '
    BEGIN { n = split(exports, e, " "); for (i = 1; i <= n; i++) { split(e[i], kv, "="); how[kv[1]] = kv[2] == "" ? "to all" : "to the project\x27s modules" } }
    /^(public |protected )?.*(class|interface|enum|record) / && /\{$/ {
      pub = ($0 ~ /^public / || $0 ~ /^protected /)
      name = $0; sub(/ *\{$/, "", name); sub(/ (extends|implements|permits) .*/, "", name); sub(/<.*/, "", name)
      n = split(name, w, " "); cls = w[n]
      pkg = cls; sub(/\.[^.]*$/, "", pkg)
      if (pub) types[pkg]++
      next
    }
    pub && /\(/ && !/^}/ {
      methods[pkg]++
      if ($0 ~ / handle[A-Z][A-Za-z]*\(/) handles[pkg]++
    }
    END { for (p in types) printf "| `%s` | %s | %d | %d | %d |\n", p, modular ? (p in how ? how[p] : "no") : "to all (no module-info)", types[p], methods[p] + 0, handles[p] + 0 }
  ' | sort
done
rm -f /tmp/surface.$$
