#include <postgresql/libpq-fe.h>
#include "lazy.h"
#define PQ DP_LIB_PQ

DP_STUB(PQ, PGconn *, PQconnectdb, (const char *conninfo), (conninfo))
DP_STUB(PQ, ConnStatusType, PQstatus, (const PGconn *conn), (conn))
DP_STUB(PQ, char *, PQerrorMessage, (const PGconn *conn), (conn))
DP_STUB_VOID(PQ, PQfinish, (PGconn *conn), (conn))
DP_STUB(PQ, PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query))
DP_STUB(PQ, PGresult *, PQexecParams,
        (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues,
         const int *paramLengths, const int *paramFormats, int resultFormat),
        (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))
DP_STUB_VOID(PQ, PQclear, (PGresult *res), (res))
DP_STUB(PQ, char *, PQescapeIdentifier, (PGconn *conn, const char *str, size_t len), (conn, str, len))
DP_STUB_VOID(PQ, PQfreemem, (void *ptr), (ptr))
DP_STUB(PQ, Oid, PQftype, (const PGresult *res, int field_num), (res, field_num))
DP_STUB(PQ, PGresult *, PQgetResult, (PGconn *conn), (conn))
DP_STUB(PQ, int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
DP_STUB(PQ, int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
DP_STUB(PQ, char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))
DP_STUB(PQ, int, PQnfields, (const PGresult *res), (res))
DP_STUB(PQ, int, PQntuples, (const PGresult *res), (res))
DP_STUB(PQ, int, PQputCopyData, (PGconn *conn, const char *buffer, int nbytes), (conn, buffer, nbytes))
DP_STUB(PQ, int, PQputCopyEnd, (PGconn *conn, const char *errormsg), (conn, errormsg))
DP_STUB(PQ, char *, PQresultErrorMessage, (const PGresult *res), (res))
DP_STUB(PQ, ExecStatusType, PQresultStatus, (const PGresult *res), (res))
DP_STUB(PQ, int, PQsendQuery, (PGconn *conn, const char *query), (conn, query))
