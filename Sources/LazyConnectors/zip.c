#include <zip.h>
#include "lazy.h"
#define ZP DP_LIB_ZIP

DP_STUB(ZP, int, zip_close, (zip_t *za), (za))
DP_STUB_VOID(ZP, zip_discard, (zip_t *za), (za))
DP_STUB(ZP, zip_int64_t, zip_file_add, (zip_t *za, const char *name, zip_source_t *source, zip_flags_t flags),
        (za, name, source, flags))
DP_STUB(ZP, int, zip_file_set_encryption, (zip_t *za, zip_uint64_t index, zip_uint16_t method, const char *password),
        (za, index, method, password))
DP_STUB(ZP, zip_t *, zip_open, (const char *path, int flags, int *errorp), (path, flags, errorp))
DP_STUB(ZP, int, zip_set_file_compression, (zip_t *za, zip_uint64_t index, zip_int32_t comp, zip_uint32_t comp_flags),
        (za, index, comp, comp_flags))
DP_STUB(ZP, zip_source_t *, zip_source_file, (zip_t *za, const char *fname, zip_uint64_t start, zip_int64_t len),
        (za, fname, start, len))
DP_STUB_VOID(ZP, zip_source_free, (zip_source_t *source), (source))
DP_STUB(ZP, const char *, zip_strerror, (zip_t *za), (za))
/* Reading: plugin artifacts (`plugins install`). */
DP_STUB(ZP, zip_int64_t, zip_get_num_entries, (zip_t *za, zip_flags_t flags), (za, flags))
DP_STUB(ZP, int, zip_stat_index, (zip_t *za, zip_uint64_t index, zip_flags_t flags, zip_stat_t *st), (za, index, flags, st))
DP_STUB(ZP, zip_file_t *, zip_fopen_index, (zip_t *za, zip_uint64_t index, zip_flags_t flags), (za, index, flags))
DP_STUB(ZP, zip_int64_t, zip_fread, (zip_file_t *zf, void *buf, zip_uint64_t n), (zf, buf, n))
DP_STUB(ZP, int, zip_fclose, (zip_file_t *zf), (zf))
