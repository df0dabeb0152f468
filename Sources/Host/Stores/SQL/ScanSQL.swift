import RowBatch

/// The SELECT a scan becomes on a SQL store, written once for PostgreSQL and SQLite: projection,
/// filters as placeholders (values are never spliced into the text), the ABI's order (nulls last).
/// Each store says how a column reads and compares (a PostgreSQL text column gets COLLATE "C", so
/// text compares by bytes as everywhere else) and binds `parameters` its own way.
struct ScanSQL {
    /// How one store spells things.
    struct Dialect {
        /// A quoted identifier.
        var identifier: (String) -> String
        /// The n-th placeholder (1-based).
        var placeholder: (Int) -> String
        /// The selected expression for a column the table has.
        var select: (Field) -> String
        /// The expression compared and ordered by, for a column the table has (bytes order for text).
        var compared: (String) -> String
        /// An extra condition before a comparison of (column expression, placeholder, column name),
        /// for a store that checks the kinds compared itself.
        var kindCheck: ((String, String, String) -> String)? = nil
    }

    private(set) var text: String
    /// The filter values in placeholder order, with the column each filters.
    private(set) var parameters: [(column: String, value: JSONValue)] = []

    /// `has` tells the columns the table has: an absent one reads as null everywhere, so it selects
    /// NULL, matches no filter and does not change the order.
    init(_ request: ScanRequest, from table: String, has: (String) -> Bool, _ d: Dialect) {
        let select = request.columns.map { has($0.name) ? d.select($0) : "NULL" }
        text = "SELECT \(select.isEmpty ? "1" : select.joined(separator: ", ")) FROM \(table)"
        var conditions: [String] = []
        for f in request.filters {
            guard has(f.column) else {
                conditions.append("1 = 0")  // null never matches
                continue
            }
            let column = d.compared(f.column)
            let placeholders = f.values.map { v -> String in
                parameters.append((f.column, v))
                let p = d.placeholder(parameters.count)
                if let check = d.kindCheck { conditions.append(check(column, p, f.column)) }
                return p
            }
            switch f.op {
            case .eq: conditions.append("\(column) = \(placeholders[0])")
            case .in: conditions.append("\(column) IN (\(placeholders.joined(separator: ", ")))")
            case .lt: conditions.append("\(column) < \(placeholders[0])")
            case .le: conditions.append("\(column) <= \(placeholders[0])")
            case .gt: conditions.append("\(column) > \(placeholders[0])")
            case .ge: conditions.append("\(column) >= \(placeholders[0])")
            }
        }
        if !conditions.isEmpty { text += " WHERE " + conditions.joined(separator: " AND ") }
        let order = request.orderBy.filter(has).map { d.compared($0) + " NULLS LAST" }
        if !order.isEmpty { text += " ORDER BY " + order.joined(separator: ", ") }
    }
}
