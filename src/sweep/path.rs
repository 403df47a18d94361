//! Key paths into a scenario's TOML: `variants.gaudi3.pools.main.replicas`,
//! with quoted segments for keys that contain dots
//! (`catalog.prices."aws-p5.48xlarge".on_demand_per_node_hour_usd`).

/// Splits a key path into segments. `None` for an empty segment or an
/// unterminated quote.
pub fn parse(path: &str) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        let mut segment = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    c => segment.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                segment.push(c);
                chars.next();
            }
        }
        if segment.is_empty() {
            return None;
        }
        segments.push(segment);
        match chars.next() {
            None => return Some(segments),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// Renders segments back into a path, quoting where needed.
pub fn render(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| {
            if s.contains('.') {
                format!("\"{s}\"")
            } else {
                s.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The value at a path, if every segment exists.
pub fn get<'a>(table: &'a toml::Table, segments: &[String]) -> Option<&'a toml::Value> {
    let (last, parents) = segments.split_last()?;
    let mut t = table;
    for s in parents {
        t = t.get(s)?.as_table()?;
    }
    t.get(last)
}

/// Replaces the value at an existing path.
pub fn set(table: &mut toml::Table, segments: &[String], value: toml::Value) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut t = table;
    for s in parents {
        match t.get_mut(s).and_then(toml::Value::as_table_mut) {
            Some(next) => t = next,
            None => return false,
        }
    }
    match t.get_mut(last) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// Every path to a number, string or boolean in the table (for suggestions).
pub fn leaves(table: &toml::Table) -> Vec<String> {
    fn walk(t: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<String>) {
        for (k, v) in t {
            prefix.push(k.clone());
            match v {
                toml::Value::Table(inner) => walk(inner, prefix, out),
                toml::Value::Array(_) => {}
                _ => out.push(render(prefix)),
            }
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(table, &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_segments_round_trip() {
        let p = parse("catalog.prices.\"aws-p5.48xlarge\".on_demand_per_node_hour_usd").unwrap();
        assert_eq!(
            p,
            vec![
                "catalog",
                "prices",
                "aws-p5.48xlarge",
                "on_demand_per_node_hour_usd"
            ]
        );
        assert_eq!(
            render(&p),
            "catalog.prices.\"aws-p5.48xlarge\".on_demand_per_node_hour_usd"
        );
        assert!(parse("a..b").is_none());
        assert!(parse("a.\"b").is_none());
    }
}
