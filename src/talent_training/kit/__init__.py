"""Cross-cutting pieces that know no domain: errors, paging, types, clock, JSON."""
