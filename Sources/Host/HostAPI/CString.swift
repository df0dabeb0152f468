import Foundation
import PluginAPI
import JobParameters
import RowBatch

/// A NUL-terminated C copy of a Swift string, freed with the owner.
final class CString {
    let pointer: UnsafeMutablePointer<CChar>
    let length: Int
    init(_ s: String) {
        pointer = strdup(s)!
        length = s.utf8.count
    }
    var dp: dp_str { dp_str(data: pointer, len: length) }
    deinit { free(pointer) }
}
