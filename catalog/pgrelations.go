package catalog

import "github.com/pgdynamo/pgdynamo/pgtypes"

// The relations of the catalog shim: PostgreSQL 15's column names in
// PostgreSQL's order (test/catalog_test.go compares them with a real
// server), each with the function that generates its rows from the
// datasets. Relations PostgreSQL would show empty for a read-only gateway
// over DynamoDB (policies, publications, triggers...) have no rows.

func c(name string, t pgtypes.Type) SystemColumn { return SystemColumn{Name: name, Type: t} }

// db is an information_schema column holding the database name.
func db(name string) SystemColumn { return SystemColumn{Name: name, Type: tName, Database: true} }

func pgRel(name string, oid uint32, kind byte, rows func(*builder) ([][]any, error), cols ...SystemColumn) *SystemRelation {
	return &SystemRelation{Schema: PGCatalog, Name: name, OID: oid, Kind: kind, Columns: cols, rows: rows}
}

func infoRel(name string, oid uint32, rows func(*builder) ([][]any, error), cols ...SystemColumn) *SystemRelation {
	return &SystemRelation{Schema: InformationSchema, Name: name, OID: oid, Kind: 'v', Columns: cols, rows: rows}
}

func perSession(r *SystemRelation) *SystemRelation { r.PerSession = true; return r }

// ObjdefRelation is the internal relation behind pg_get_indexdef,
// pg_get_constraintdef and format_type: kind ("index", "constraint",
// "type"), objoid and the definition text.
const ObjdefRelation = "pgdynamo_objdef"

var (
	roleColumns = []SystemColumn{c("rolname", tName), c("rolsuper", tBool), c("rolinherit", tBool),
		c("rolcreaterole", tBool), c("rolcreatedb", tBool), c("rolcanlogin", tBool), c("rolreplication", tBool),
		c("rolconnlimit", tInt4), c("rolpassword", tText), c("rolvaliduntil", tTimestamp), c("rolbypassrls", tBool),
		c("rolconfig", tTextArray), c("oid", tOID)}
	statTableColumns = []SystemColumn{c("relid", tOID), c("schemaname", tName), c("relname", tName),
		c("seq_scan", tInt8), c("seq_tup_read", tInt8), c("idx_scan", tInt8), c("idx_tup_fetch", tInt8),
		c("n_tup_ins", tInt8), c("n_tup_upd", tInt8), c("n_tup_del", tInt8), c("n_tup_hot_upd", tInt8),
		c("n_live_tup", tInt8), c("n_dead_tup", tInt8), c("n_mod_since_analyze", tInt8), c("n_ins_since_vacuum", tInt8),
		c("last_vacuum", tTimestamp), c("last_autovacuum", tTimestamp), c("last_analyze", tTimestamp),
		c("last_autoanalyze", tTimestamp), c("vacuum_count", tInt8), c("autovacuum_count", tInt8),
		c("analyze_count", tInt8), c("autoanalyze_count", tInt8)}
)

// defineRelations lists the relations; a function, because their row
// builders themselves read the list (pg_class shows the catalog's own
// relations).
func defineRelations() []*SystemRelation {
	return []*SystemRelation{
		pgRel("pg_namespace", 2615, 'r', (*builder).namespaceRows,
			c("oid", tOID), c("nspname", tName), c("nspowner", tOID), c("nspacl", tTextArray)),
		pgRel("pg_class", 1259, 'r', (*builder).classRows,
			c("oid", tOID), c("relname", tName), c("relnamespace", tOID), c("reltype", tOID), c("reloftype", tOID),
			c("relowner", tOID), c("relam", tOID), c("relfilenode", tOID), c("reltablespace", tOID), c("relpages", tInt4),
			c("reltuples", tFloat4), c("relallvisible", tInt4), c("reltoastrelid", tOID), c("relhasindex", tBool),
			c("relisshared", tBool), c("relpersistence", tName), c("relkind", tName), c("relnatts", tInt2),
			c("relchecks", tInt2), c("relhasrules", tBool), c("relhastriggers", tBool), c("relhassubclass", tBool),
			c("relrowsecurity", tBool), c("relforcerowsecurity", tBool), c("relispopulated", tBool),
			c("relreplident", tName), c("relispartition", tBool), c("relrewrite", tOID), c("relfrozenxid", tOID),
			c("relminmxid", tOID), c("relacl", tTextArray), c("reloptions", tTextArray), c("relpartbound", tText)),
		pgRel("pg_attribute", 1249, 'r', (*builder).attributeRows,
			c("attrelid", tOID), c("attname", tName), c("atttypid", tOID), c("attstattarget", tInt4), c("attlen", tInt2),
			c("attnum", tInt2), c("attndims", tInt4), c("attcacheoff", tInt4), c("atttypmod", tInt4), c("attbyval", tBool),
			c("attalign", tName), c("attstorage", tName), c("attcompression", tName), c("attnotnull", tBool),
			c("atthasdef", tBool), c("atthasmissing", tBool), c("attidentity", tName), c("attgenerated", tName),
			c("attisdropped", tBool), c("attislocal", tBool), c("attinhcount", tInt4), c("attcollation", tOID),
			c("attacl", tTextArray), c("attoptions", tTextArray), c("attfdwoptions", tTextArray), c("attmissingval", tTextArray)),
		pgRel("pg_type", 1247, 'r', (*builder).typeRows,
			c("oid", tOID), c("typname", tName), c("typnamespace", tOID), c("typowner", tOID), c("typlen", tInt2),
			c("typbyval", tBool), c("typtype", tName), c("typcategory", tName), c("typispreferred", tBool),
			c("typisdefined", tBool), c("typdelim", tName), c("typrelid", tOID), c("typsubscript", tName),
			c("typelem", tOID), c("typarray", tOID), c("typinput", tName), c("typoutput", tName), c("typreceive", tName),
			c("typsend", tName), c("typmodin", tName), c("typmodout", tName), c("typanalyze", tName), c("typalign", tName),
			c("typstorage", tName), c("typnotnull", tBool), c("typbasetype", tOID), c("typtypmod", tInt4),
			c("typndims", tInt4), c("typcollation", tOID), c("typdefaultbin", tText), c("typdefault", tText),
			c("typacl", tTextArray)),
		pgRel("pg_index", 2610, 'r', (*builder).indexRows,
			c("indexrelid", tOID), c("indrelid", tOID), c("indnatts", tInt2), c("indnkeyatts", tInt2),
			c("indisunique", tBool), c("indnullsnotdistinct", tBool), c("indisprimary", tBool), c("indisexclusion", tBool),
			c("indimmediate", tBool), c("indisclustered", tBool), c("indisvalid", tBool), c("indcheckxmin", tBool),
			c("indisready", tBool), c("indislive", tBool), c("indisreplident", tBool), c("indkey", tInt2Array),
			c("indcollation", tOIDArray), c("indclass", tOIDArray), c("indoption", tInt2Array), c("indexprs", tText),
			c("indpred", tText)),
		pgRel("pg_constraint", 2606, 'r', (*builder).constraintRows,
			c("oid", tOID), c("conname", tName), c("connamespace", tOID), c("contype", tName), c("condeferrable", tBool),
			c("condeferred", tBool), c("convalidated", tBool), c("conrelid", tOID), c("contypid", tOID),
			c("conindid", tOID), c("conparentid", tOID), c("confrelid", tOID), c("confupdtype", tName),
			c("confdeltype", tName), c("confmatchtype", tName), c("conislocal", tBool), c("coninhcount", tInt4),
			c("connoinherit", tBool), c("conkey", tInt2Array), c("confkey", tInt2Array), c("conpfeqop", tOIDArray),
			c("conppeqop", tOIDArray), c("conffeqop", tOIDArray), c("confdelsetcols", tInt2Array),
			c("conexclop", tOIDArray), c("conbin", tText)),
		pgRel("pg_attrdef", 2604, 'r', nil,
			c("oid", tOID), c("adrelid", tOID), c("adnum", tInt2), c("adbin", tText)),
		pgRel("pg_description", 2609, 'r', (*builder).descriptionRows,
			c("objoid", tOID), c("classoid", tOID), c("objsubid", tInt4), c("description", tText)),
		pgRel("pg_shdescription", 2396, 'r', nil,
			c("objoid", tOID), c("classoid", tOID), c("description", tText)),
		perSession(&SystemRelation{Schema: SystemSchema, Name: "datasets", OID: DatasetsRelationOID, Kind: 'v', Columns: []SystemColumn{
			c("name", tText), c("table_name", tText), c("mode", tText), c("refresh_mode", tText), c("state", tText),
			c("rows", tInt8), c("lag_ms", tInt8), c("last_refresh", tTimestamp), c("last_error", tText),
			c("load_items", tInt8)}}),
		perSession(pgRel("pg_database", 1262, 'r', nil,
			c("oid", tOID), c("datname", tName), c("datdba", tOID), c("encoding", tInt4), c("datlocprovider", tName),
			c("datistemplate", tBool), c("datallowconn", tBool), c("datconnlimit", tInt4), c("datfrozenxid", tOID),
			c("datminmxid", tOID), c("dattablespace", tOID), c("datcollate", tText), c("datctype", tText),
			c("daticulocale", tText), c("datcollversion", tText), c("datacl", tTextArray))),
		pgRel("pg_roles", 12000, 'v', constRows([]any{OwnerName, false, true, false, false, true, false, int32(-1), "********",
			nil, false, nil, int64(OwnerOID)}), roleColumns...),
		pgRel("pg_user", 12014, 'v', constRows([]any{OwnerName, int64(OwnerOID), false, false, false, false, "********", nil, nil}),
			c("usename", tName), c("usesysid", tOID), c("usecreatedb", tBool), c("usesuper", tBool), c("userepl", tBool),
			c("usebypassrls", tBool), c("passwd", tText), c("valuntil", tTimestamp), c("useconfig", tTextArray)),
		pgRel("pg_authid", 1260, 'r', constRows(ownerRole()),
			c("oid", tOID), c("rolname", tName), c("rolsuper", tBool), c("rolinherit", tBool), c("rolcreaterole", tBool),
			c("rolcreatedb", tBool), c("rolcanlogin", tBool), c("rolreplication", tBool), c("rolbypassrls", tBool),
			c("rolconnlimit", tInt4), c("rolpassword", tText), c("rolvaliduntil", tTimestamp)),
		pgRel("pg_auth_members", 1261, 'r', nil,
			c("roleid", tOID), c("member", tOID), c("grantor", tOID), c("admin_option", tBool)),
		perSession(pgRel("pg_settings", 12104, 'v', nil,
			c("name", tText), c("setting", tText), c("unit", tText), c("category", tText), c("short_desc", tText),
			c("extra_desc", tText), c("context", tText), c("vartype", tText), c("source", tText), c("min_val", tText),
			c("max_val", tText), c("enumvals", tTextArray), c("boot_val", tText), c("reset_val", tText),
			c("sourcefile", tText), c("sourceline", tInt4), c("pending_restart", tBool))),
		pgRel("pg_proc", 1255, 'r', (*builder).procRows,
			c("oid", tOID), c("proname", tName), c("pronamespace", tOID), c("proowner", tOID), c("prolang", tOID),
			c("procost", tFloat4), c("prorows", tFloat4), c("provariadic", tOID), c("prosupport", tName),
			c("prokind", tName), c("prosecdef", tBool), c("proleakproof", tBool), c("proisstrict", tBool),
			c("proretset", tBool), c("provolatile", tName), c("proparallel", tName), c("pronargs", tInt2),
			c("pronargdefaults", tInt2), c("prorettype", tOID), c("proargtypes", tOIDArray), c("proallargtypes", tOIDArray),
			c("proargmodes", tTextArray), c("proargnames", tTextArray), c("proargdefaults", tText),
			c("protrftypes", tOIDArray), c("prosrc", tText), c("probin", tText), c("prosqlbody", tText),
			c("proconfig", tTextArray), c("proacl", tTextArray)),
		pgRel("pg_am", 2601, 'r', constRows(
			[]any{int64(HeapAMOID), "heap", "heap_tableam_handler", "t"},
			[]any{int64(BtreeAMOID), "btree", "bthandler", "i"},
			[]any{int64(HashAMOID), "hash", "hashhandler", "i"}),
			c("oid", tOID), c("amname", tName), c("amhandler", tName), c("amtype", tName)),
		pgRel("pg_collation", 3456, 'r', constRows(
			[]any{int64(DefaultCollationOID), "default", int64(PGCatalogNamespaceOID), int64(OwnerOID), "d", true, int32(-1), nil, nil, nil, nil},
			[]any{int64(CCollationOID), "C", int64(PGCatalogNamespaceOID), int64(OwnerOID), "c", true, int32(-1), "C", "C", nil, nil},
			[]any{int64(POSIXCollationOID), "POSIX", int64(PGCatalogNamespaceOID), int64(OwnerOID), "c", true, int32(-1), "POSIX", "POSIX", nil, nil}),
			c("oid", tOID), c("collname", tName), c("collnamespace", tOID), c("collowner", tOID), c("collprovider", tName),
			c("collisdeterministic", tBool), c("collencoding", tInt4), c("collcollate", tText), c("collctype", tText),
			c("colliculocale", tText), c("collversion", tText)),
		pgRel("pg_policy", 3256, 'r', nil,
			c("oid", tOID), c("polname", tName), c("polrelid", tOID), c("polcmd", tName), c("polpermissive", tBool),
			c("polroles", tOIDArray), c("polqual", tText), c("polwithcheck", tText)),
		pgRel("pg_inherits", 2611, 'r', nil,
			c("inhrelid", tOID), c("inhparent", tOID), c("inhseqno", tInt4), c("inhdetachpending", tBool)),
		pgRel("pg_statistic_ext", 3381, 'r', nil,
			c("oid", tOID), c("stxrelid", tOID), c("stxname", tName), c("stxnamespace", tOID), c("stxowner", tOID),
			c("stxstattarget", tInt4), c("stxkeys", tInt2Array), c("stxkind", tTextArray), c("stxexprs", tText)),
		pgRel("pg_publication", 6104, 'r', nil,
			c("oid", tOID), c("pubname", tName), c("pubowner", tOID), c("puballtables", tBool), c("pubinsert", tBool),
			c("pubupdate", tBool), c("pubdelete", tBool), c("pubtruncate", tBool), c("pubviaroot", tBool)),
		pgRel("pg_publication_rel", 6106, 'r', nil,
			c("oid", tOID), c("prpubid", tOID), c("prrelid", tOID), c("prqual", tText), c("prattrs", tInt2Array)),
		pgRel("pg_publication_namespace", 6237, 'r', nil,
			c("oid", tOID), c("pnpubid", tOID), c("pnnspid", tOID)),
		pgRel("pg_matviews", 12038, 'v', nil,
			c("schemaname", tName), c("matviewname", tName), c("matviewowner", tName), c("tablespace", tName),
			c("hasindexes", tBool), c("ispopulated", tBool), c("definition", tText)),
		pgRel("pg_views", 12028, 'v', (*builder).viewsRows,
			c("schemaname", tName), c("viewname", tName), c("viewowner", tName), c("definition", tText)),
		pgRel("pg_tables", 12033, 'v', (*builder).tablesRows,
			c("schemaname", tName), c("tablename", tName), c("tableowner", tName), c("tablespace", tName),
			c("hasindexes", tBool), c("hasrules", tBool), c("hastriggers", tBool), c("rowsecurity", tBool)),
		pgRel("pg_indexes", 12043, 'v', (*builder).indexesRows,
			c("schemaname", tName), c("tablename", tName), c("indexname", tName), c("tablespace", tName),
			c("indexdef", tText)),
		pgRel("pg_extension", 3079, 'r', nil,
			c("oid", tOID), c("extname", tName), c("extowner", tOID), c("extnamespace", tOID), c("extrelocatable", tBool),
			c("extversion", tText), c("extconfig", tOIDArray), c("extcondition", tTextArray)),
		pgRel("pg_stat_user_tables", 12161, 'v', (*builder).statRows, statTableColumns...),
		pgRel("pg_stat_all_tables", 12142, 'v', (*builder).statRows, statTableColumns...),
		pgRel("pg_range", 3541, 'r', nil,
			c("rngtypid", tOID), c("rngsubtype", tOID), c("rngmultitypid", tOID), c("rngcollation", tOID),
			c("rngsubopc", tOID), c("rngcanonical", tName), c("rngsubdiff", tName)),
		pgRel("pg_enum", 3501, 'r', nil,
			c("oid", tOID), c("enumtypid", tOID), c("enumsortorder", tFloat4), c("enumlabel", tName)),
		pgRel("pg_tablespace", 1213, 'r', constRows(
			[]any{int64(DefaultTablespaceOID), "pg_default", int64(OwnerOID), nil, nil},
			[]any{int64(GlobalTablespaceOID), "pg_global", int64(OwnerOID), nil, nil}),
			c("oid", tOID), c("spcname", tName), c("spcowner", tOID), c("spcacl", tTextArray), c("spcoptions", tTextArray)),
		pgRel("pg_trigger", 2620, 'r', nil,
			c("oid", tOID), c("tgrelid", tOID), c("tgparentid", tOID), c("tgname", tName), c("tgfoid", tOID),
			c("tgtype", tInt2), c("tgenabled", tName), c("tgisinternal", tBool), c("tgconstrrelid", tOID),
			c("tgconstrindid", tOID), c("tgconstraint", tOID), c("tgdeferrable", tBool), c("tginitdeferred", tBool),
			c("tgnargs", tInt2), c("tgattr", tInt2Array), c("tgargs", tBytea), c("tgqual", tText),
			c("tgoldtable", tName), c("tgnewtable", tName)),
		pgRel("pg_rewrite", 2618, 'r', nil,
			c("oid", tOID), c("rulename", tName), c("ev_class", tOID), c("ev_type", tName), c("ev_enabled", tName),
			c("is_instead", tBool), c("ev_qual", tText), c("ev_action", tText)),
		pgRel("pg_foreign_table", 3118, 'r', nil,
			c("ftrelid", tOID), c("ftserver", tOID), c("ftoptions", tTextArray)),
		pgRel("pg_foreign_server", 1417, 'r', nil,
			c("oid", tOID), c("srvname", tName), c("srvowner", tOID), c("srvfdw", tOID), c("srvtype", tText),
			c("srvversion", tText), c("srvacl", tTextArray), c("srvoptions", tTextArray)),
		pgRel("pg_foreign_data_wrapper", 2328, 'r', nil,
			c("oid", tOID), c("fdwname", tName), c("fdwowner", tOID), c("fdwhandler", tOID), c("fdwvalidator", tOID),
			c("fdwacl", tTextArray), c("fdwoptions", tTextArray)),
		pgRel("pg_partitioned_table", 3350, 'r', nil,
			c("partrelid", tOID), c("partstrat", tName), c("partnatts", tInt2), c("partdefid", tOID),
			c("partattrs", tInt2Array), c("partclass", tOIDArray), c("partcollation", tOIDArray), c("partexprs", tText)),
		pgRel("pg_sequence", 2224, 'r', nil,
			c("seqrelid", tOID), c("seqtypid", tOID), c("seqstart", tInt8), c("seqincrement", tInt8), c("seqmax", tInt8),
			c("seqmin", tInt8), c("seqcache", tInt8), c("seqcycle", tBool)),
		pgRel("pg_event_trigger", 3466, 'r', nil,
			c("oid", tOID), c("evtname", tName), c("evtevent", tName), c("evtowner", tOID), c("evtfoid", tOID),
			c("evtenabled", tName), c("evttags", tTextArray)),
		pgRel("pg_language", 2612, 'r', constRows(
			[]any{int64(12), "internal", int64(OwnerOID), false, false, int64(0), int64(0), int64(0), nil},
			[]any{int64(13), "c", int64(OwnerOID), false, false, int64(0), int64(0), int64(0), nil},
			[]any{int64(14), "sql", int64(OwnerOID), false, true, int64(0), int64(0), int64(0), nil}),
			c("oid", tOID), c("lanname", tName), c("lanowner", tOID), c("lanispl", tBool), c("lanpltrusted", tBool),
			c("lanplcallfoid", tOID), c("laninline", tOID), c("lanvalidator", tOID), c("lanacl", tTextArray)),

		infoRel("schemata", 13382, (*builder).infoSchemataRows,
			db("catalog_name"), c("schema_name", tName), c("schema_owner", tName), c("default_character_set_catalog", tName),
			c("default_character_set_schema", tName), c("default_character_set_name", tName), c("sql_path", tText)),
		infoRel("tables", 13425, (*builder).infoTablesRows,
			db("table_catalog"), c("table_schema", tName), c("table_name", tName), c("table_type", tText),
			c("self_referencing_column_name", tName), c("reference_generation", tText),
			c("user_defined_type_catalog", tName), c("user_defined_type_schema", tName),
			c("user_defined_type_name", tName), c("is_insertable_into", tText), c("is_typed", tText),
			c("commit_action", tText)),
		infoRel("columns", 13295, (*builder).infoColumnsRows,
			db("table_catalog"), c("table_schema", tName), c("table_name", tName), c("column_name", tName),
			c("ordinal_position", tInt4), c("column_default", tText), c("is_nullable", tText), c("data_type", tText),
			c("character_maximum_length", tInt4), c("character_octet_length", tInt4), c("numeric_precision", tInt4),
			c("numeric_precision_radix", tInt4), c("numeric_scale", tInt4), c("datetime_precision", tInt4),
			c("interval_type", tText), c("interval_precision", tInt4), c("character_set_catalog", tName),
			c("character_set_schema", tName), c("character_set_name", tName), c("collation_catalog", tName),
			c("collation_schema", tName), c("collation_name", tName), c("domain_catalog", tName),
			c("domain_schema", tName), c("domain_name", tName), db("udt_catalog"), c("udt_schema", tName),
			c("udt_name", tName), c("scope_catalog", tName), c("scope_schema", tName), c("scope_name", tName),
			c("maximum_cardinality", tInt4), c("dtd_identifier", tName), c("is_self_referencing", tText),
			c("is_identity", tText), c("identity_generation", tText), c("identity_start", tText),
			c("identity_increment", tText), c("identity_maximum", tText), c("identity_minimum", tText),
			c("identity_cycle", tText), c("is_generated", tText), c("generation_expression", tText),
			c("is_updatable", tText)),
		infoRel("key_column_usage", 13329, (*builder).infoKeyColumnUsageRows,
			db("constraint_catalog"), c("constraint_schema", tName), c("constraint_name", tName), db("table_catalog"),
			c("table_schema", tName), c("table_name", tName), c("column_name", tName), c("ordinal_position", tInt4),
			c("position_in_unique_constraint", tInt4)),
		infoRel("table_constraints", 13411, (*builder).infoTableConstraintsRows,
			db("constraint_catalog"), c("constraint_schema", tName), c("constraint_name", tName), db("table_catalog"),
			c("table_schema", tName), c("table_name", tName), c("constraint_type", tText), c("is_deferrable", tText),
			c("initially_deferred", tText), c("enforced", tText), c("nulls_distinct", tText)),
		infoRel("constraint_column_usage", 13300, (*builder).infoConstraintColumnUsageRows,
			db("table_catalog"), c("table_schema", tName), c("table_name", tName), c("column_name", tName),
			db("constraint_catalog"), c("constraint_schema", tName), c("constraint_name", tName)),
		infoRel("referential_constraints", 13339, nil,
			db("constraint_catalog"), c("constraint_schema", tName), c("constraint_name", tName),
			c("unique_constraint_catalog", tName), c("unique_constraint_schema", tName),
			c("unique_constraint_name", tName), c("match_option", tText), c("update_rule", tText),
			c("delete_rule", tText)),
		infoRel("check_constraints", 13260, nil,
			db("constraint_catalog"), c("constraint_schema", tName), c("constraint_name", tName), c("check_clause", tText)),
		infoRel("table_privileges", 13416, (*builder).infoTablePrivilegesRows,
			c("grantor", tName), c("grantee", tName), db("table_catalog"), c("table_schema", tName),
			c("table_name", tName), c("privilege_type", tText), c("is_grantable", tText), c("with_hierarchy", tText)),
		infoRel("views", 13483, nil,
			db("table_catalog"), c("table_schema", tName), c("table_name", tName), c("view_definition", tText),
			c("check_option", tText), c("is_updatable", tText), c("is_insertable_into", tText),
			c("is_trigger_updatable", tText), c("is_trigger_deletable", tText), c("is_trigger_insertable_into", tText)),
		infoRel("routines", 13377, nil,
			db("specific_catalog"), c("specific_schema", tName), c("specific_name", tName), db("routine_catalog"),
			c("routine_schema", tName), c("routine_name", tName), c("routine_type", tText), c("module_catalog", tName),
			c("module_schema", tName), c("module_name", tName), c("udt_catalog", tName), c("udt_schema", tName),
			c("udt_name", tName), c("data_type", tText), c("character_maximum_length", tInt4),
			c("character_octet_length", tInt4), c("character_set_catalog", tName), c("character_set_schema", tName),
			c("character_set_name", tName), c("collation_catalog", tName), c("collation_schema", tName),
			c("collation_name", tName), c("numeric_precision", tInt4), c("numeric_precision_radix", tInt4),
			c("numeric_scale", tInt4), c("datetime_precision", tInt4), c("interval_type", tText),
			c("interval_precision", tInt4), c("type_udt_catalog", tName), c("type_udt_schema", tName),
			c("type_udt_name", tName), c("scope_catalog", tName), c("scope_schema", tName), c("scope_name", tName),
			c("maximum_cardinality", tInt4), c("dtd_identifier", tName), c("routine_body", tText),
			c("routine_definition", tText), c("external_name", tText), c("external_language", tText),
			c("parameter_style", tText), c("is_deterministic", tText), c("sql_data_access", tText),
			c("is_null_call", tText), c("sql_path", tText), c("schema_level_routine", tText),
			c("max_dynamic_result_sets", tInt4), c("is_user_defined_cast", tText), c("is_implicitly_invocable", tText),
			c("security_type", tText), c("to_sql_specific_catalog", tName), c("to_sql_specific_schema", tName),
			c("to_sql_specific_name", tName), c("as_locator", tText), c("created", tTimestamp),
			c("last_altered", tTimestamp), c("new_savepoint_level", tText), c("is_udt_dependent", tText),
			c("result_cast_from_data_type", tText), c("result_cast_as_locator", tText),
			c("result_cast_char_max_length", tInt4), c("result_cast_char_octet_length", tInt4),
			c("result_cast_char_set_catalog", tName), c("result_cast_char_set_schema", tName),
			c("result_cast_char_set_name", tName), c("result_cast_collation_catalog", tName),
			c("result_cast_collation_schema", tName), c("result_cast_collation_name", tName),
			c("result_cast_numeric_precision", tInt4), c("result_cast_numeric_precision_radix", tInt4),
			c("result_cast_numeric_scale", tInt4), c("result_cast_datetime_precision", tInt4),
			c("result_cast_interval_type", tText), c("result_cast_interval_precision", tInt4),
			c("result_cast_type_udt_catalog", tName), c("result_cast_type_udt_schema", tName),
			c("result_cast_type_udt_name", tName), c("result_cast_scope_catalog", tName),
			c("result_cast_scope_schema", tName), c("result_cast_scope_name", tName),
			c("result_cast_maximum_cardinality", tInt4), c("result_cast_dtd_identifier", tName)),
		infoRel("sequences", 13386, nil,
			db("sequence_catalog"), c("sequence_schema", tName), c("sequence_name", tName), c("data_type", tText),
			c("numeric_precision", tInt4), c("numeric_precision_radix", tInt4), c("numeric_scale", tInt4),
			c("start_value", tText), c("minimum_value", tText), c("maximum_value", tText), c("increment", tText),
			c("cycle_option", tText)),
		infoRel("triggers", 13440, nil,
			db("trigger_catalog"), c("trigger_schema", tName), c("trigger_name", tName), c("event_manipulation", tText),
			db("event_object_catalog"), c("event_object_schema", tName), c("event_object_table", tName),
			c("action_order", tInt4), c("action_condition", tText), c("action_statement", tText),
			c("action_orientation", tText), c("action_timing", tText), c("action_reference_old_table", tName),
			c("action_reference_new_table", tName), c("action_reference_old_row", tName),
			c("action_reference_new_row", tName), c("created", tTimestamp)),
		infoRel("enabled_roles", 13325, constRows([]any{OwnerName}), c("role_name", tName)),

		{Schema: PGCatalog, Name: ObjdefRelation, Internal: true, Kind: 'r', rows: (*builder).objdefRows,
			Columns: []SystemColumn{c("kind", tText), c("objoid", tOID), c("def", tText)}},
	}
}

// catalogFunctions are the pg_proc rows: the session and catalog functions
// pgdynamo answers, with PostgreSQL 15's OIDs and signatures.
var catalogFunctions = []struct {
	oid      uint32
	name     string
	ret      uint32
	args     []pgtypes.OID
	volatile string
}{
	{89, "version", pgtypes.TextOID, nil, "s"},
	{861, "current_database", pgtypes.NameOID, nil, "s"},
	{1402, "current_schema", pgtypes.NameOID, nil, "s"},
	{1403, "current_schemas", pgtypes.NameArrayOID, []pgtypes.OID{pgtypes.BoolOID}, "s"},
	{2077, "current_setting", pgtypes.TextOID, []pgtypes.OID{pgtypes.TextOID}, "s"},
	{1081, "format_type", pgtypes.TextOID, []pgtypes.OID{pgtypes.OIDOID, pgtypes.Int4OID}, "s"},
	{1716, "pg_get_expr", pgtypes.TextOID, []pgtypes.OID{194, pgtypes.OIDOID}, "s"},
	{2079, "pg_table_is_visible", pgtypes.BoolOID, []pgtypes.OID{pgtypes.OIDOID}, "s"},
	{1642, "pg_get_userbyid", pgtypes.NameOID, []pgtypes.OID{pgtypes.OIDOID}, "s"},
	{1215, "obj_description", pgtypes.TextOID, []pgtypes.OID{pgtypes.OIDOID, pgtypes.NameOID}, "s"},
	{1216, "col_description", pgtypes.TextOID, []pgtypes.OID{pgtypes.OIDOID, pgtypes.Int4OID}, "s"},
	{1926, "has_table_privilege", pgtypes.BoolOID, []pgtypes.OID{pgtypes.TextOID, pgtypes.TextOID}, "s"},
	{1643, "pg_get_indexdef", pgtypes.TextOID, []pgtypes.OID{pgtypes.OIDOID}, "s"},
	{1387, "pg_get_constraintdef", pgtypes.TextOID, []pgtypes.OID{pgtypes.OIDOID}, "s"},
	{1282, "quote_ident", pgtypes.TextOID, []pgtypes.OID{pgtypes.TextOID}, "i"},
	{2026, "pg_backend_pid", pgtypes.Int4OID, nil, "s"},
	{1597, "pg_encoding_to_char", pgtypes.NameOID, []pgtypes.OID{pgtypes.Int4OID}, "s"},
	{3810, "pg_is_in_recovery", pgtypes.BoolOID, nil, "v"},
}

func (b *builder) procRows() ([][]any, error) {
	var rows [][]any
	for _, f := range catalogFunctions {
		rows = append(rows, []any{int64(f.oid), f.name, int64(PGCatalogNamespaceOID), int64(OwnerOID), int64(12),
			float32(1), float32(0), int64(0), "-", "f", false, false, true, false, f.volatile, "s",
			int16(len(f.args)), int16(0), int64(f.ret), oids(f.args), nil, nil, nil, nil, nil,
			f.name, nil, nil, nil, nil})
	}
	return rows, nil
}

func oids(in []pgtypes.OID) []int64 {
	out := make([]int64, len(in))
	for i, o := range in {
		out[i] = int64(o)
	}
	return out
}
