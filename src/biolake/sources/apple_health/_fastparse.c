/* Compiled parse of one chunk of an Apple Health export into bronze columns.
 *
 * The same rules as reader._parse_python, without a Python object per element or attribute: expat
 * (the copy inside Python's own pyexpat, reached through its C API capsule, so nothing is linked and
 * errors are expat's own) calls back into C, and each attribute value is appended to its column as
 * Arrow string buffers (validity bitmap, int32 offsets, UTF-8 data). Python wraps the buffers with
 * pyarrow.Array.from_buffers. ExportDate and Me elements (a handful per file) are handed back as
 * (name, [(attribute, value), ...]) for Python to apply. The GIL is released while expat runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<expat.h>) && !defined(BIOLAKE_OWN_EXPAT_DECLARATIONS)
#define BIOLAKE_HAVE_EXPAT_H 1
#endif
#endif

#ifdef BIOLAKE_HAVE_EXPAT_H
#include <expat.h>
#else
/* The few expat declarations pyexpat.h needs (no libexpat headers on this machine; the functions
 * themselves come from pyexpat at run time). XML_Char is UTF-8 char, as in every pyexpat build. */
typedef char XML_Char;
typedef char XML_LChar;
typedef unsigned long XML_Size;
typedef unsigned char XML_Bool;
typedef struct XML_ParserStruct *XML_Parser;
enum XML_Status { XML_STATUS_ERROR = 0, XML_STATUS_OK = 1, XML_STATUS_SUSPENDED = 2 };
enum XML_Error { XML_ERROR_NONE };
typedef struct {
    void *(*malloc_fcn)(size_t size);
    void *(*realloc_fcn)(void *ptr, size_t size);
    void (*free_fcn)(void *ptr);
} XML_Memory_Handling_Suite;
typedef struct {
    int map[256];
    void *data;
    int (*convert)(void *data, const char *s);
    void (*release)(void *data);
} XML_Encoding;
typedef void (*XML_StartElementHandler)(void *, const XML_Char *, const XML_Char **);
typedef void (*XML_EndElementHandler)(void *, const XML_Char *);
typedef void (*XML_CharacterDataHandler)(void *, const XML_Char *, int);
typedef void (*XML_CommentHandler)(void *, const XML_Char *);
typedef void (*XML_DefaultHandler)(void *, const XML_Char *, int);
typedef void (*XML_StartNamespaceDeclHandler)(void *, const XML_Char *, const XML_Char *);
typedef void (*XML_EndNamespaceDeclHandler)(void *, const XML_Char *);
typedef void (*XML_ProcessingInstructionHandler)(void *, const XML_Char *, const XML_Char *);
typedef int (*XML_UnknownEncodingHandler)(void *, const XML_Char *, XML_Encoding *);
typedef void (*XML_StartDoctypeDeclHandler)(void *, const XML_Char *, const XML_Char *,
                                            const XML_Char *, int);
#endif
#ifndef XMLCALL
#define XMLCALL
#endif
#include <pyexpat.h>

/* Bronze tables filled here, in the order of reader.COMPILED_TABLES. */
enum {
    T_RECORDS,
    T_RECORD_METADATA,
    T_HRV_BEATS,
    T_CORRELATIONS,
    T_CORRELATION_MEMBERS,
    T_WORKOUTS,
    T_WORKOUT_METADATA,
    T_WORKOUT_STATISTICS,
    T_WORKOUT_EVENTS,
    T_WORKOUT_ROUTE_REFS,
    T_WORKOUT_ROUTE_POINTS,
    T_ACTIVITY_SUMMARIES,
    N_TABLES
};
static const char *const table_names[N_TABLES] = {
    "records",          "record_metadata",    "hrv_beats",          "correlations",
    "correlation_members", "workouts",        "workout_metadata",   "workout_statistics",
    "workout_events",   "workout_route_refs", "workout_route_points", "activity_summaries",
};
#define MAX_COLS 32
#define FEED_BYTES (1 << 20)

/* Open containers inside the current top-level container (reader: the ``stack`` list). */
enum { S_CORRELATION, S_WORKOUT, S_CLINICAL_RECORD, S_AUDIOGRAM, S_VISION_PRESCRIPTION, S_WORKOUT_ROUTE };
static const char *const stack_names[] = {"Correlation",       "Workout",           "ClinicalRecord",
                                          "Audiogram",         "VisionPrescription", "WorkoutRoute"};
#define N_CONTAINERS 5 /* the first five: top-level elements whose children need context */
#define MAX_DEPTH 2

static struct PyExpat_CAPI *expat;
static PyObject *XMLError;

typedef struct {
    char *data;
    size_t len, cap;
    int32_t *offsets; /* rows + 1 */
    uint8_t *valid;   /* one bit per row */
    Py_ssize_t nulls;
} Column;

typedef struct {
    int ncols;
    int has_ids;
    char *names[MAX_COLS]; /* attribute names, UTF-8 */
    Column cols[MAX_COLS];
    int64_t *ids;
    size_t rows, cap;
} Table;

/* Column layouts, set once by configure(). */
static int layout_ncols[N_TABLES];
static int layout_ids[N_TABLES];
static char *layout_names[N_TABLES][MAX_COLS];
static int configured;

typedef struct {
    XML_Parser parser;
    Table tables[N_TABLES];
    int stack[MAX_DEPTH];
    int depth;
    int64_t n, owner;
    /* the open WorkoutRoute's attributes (values owned here), kept until its end tag */
    char *route[MAX_COLS];
    int route_set[MAX_COLS];
    PyObject *extras;       /* list of (name, [(key, value), ...]) for ExportDate and Me */
    PyThreadState *thread;  /* saved while the GIL is released */
    int failed;             /* 1: out of memory, 2: a column over 2 GiB, 3: Python error */
} State;

static int grow(void **buf, size_t *cap, size_t need, size_t item) {
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*buf, cap2 * item);
    if (!p)
        return -1;
    *buf = p;
    *cap = cap2;
    return 0;
}

static int table_init(Table *t, int which) {
    memset(t, 0, sizeof *t);
    t->ncols = layout_ncols[which];
    t->has_ids = layout_ids[which];
    for (int j = 0; j < t->ncols; j++)
        t->names[j] = layout_names[which][j];
    return 0;
}

static void table_free(Table *t) {
    for (int j = 0; j < t->ncols; j++) {
        free(t->cols[j].data);
        free(t->cols[j].offsets);
        free(t->cols[j].valid);
    }
    free(t->ids);
}

/* Make room for one more row in every column of ``t``. */
static int table_reserve(State *st, Table *t) {
    if (t->rows < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    if (t->has_ids) {
        int64_t *ids = realloc(t->ids, cap * sizeof *ids);
        if (!ids)
            goto fail;
        t->ids = ids;
    }
    for (int j = 0; j < t->ncols; j++) {
        Column *c = &t->cols[j];
        int32_t *off = realloc(c->offsets, (cap + 1) * sizeof *off);
        if (!off)
            goto fail;
        c->offsets = off;
        if (t->cap == 0)
            off[0] = 0;
        uint8_t *valid = realloc(c->valid, cap / 8 + 1);
        if (!valid)
            goto fail;
        memset(valid + (t->cap ? t->cap / 8 + 1 : 0), 0, cap / 8 + 1 - (t->cap ? t->cap / 8 + 1 : 0));
        c->valid = valid;
    }
    t->cap = cap;
    return 0;
fail:
    st->failed = 1;
    return -1;
}

static int column_index(const Table *t, const char *name) {
    for (int j = 0; j < t->ncols; j++)
        if (t->names[j][0] == name[0] && strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

/* Append one row: value j is values[j] (NULL: missing). */
static void add_values(State *st, Table *t, int64_t id, const char **values) {
    if (st->failed || table_reserve(st, t) < 0)
        return;
    size_t row = t->rows;
    if (t->has_ids)
        t->ids[row] = id;
    for (int j = 0; j < t->ncols; j++) {
        Column *c = &t->cols[j];
        const char *v = values[j];
        if (v) {
            size_t n = strlen(v);
            if (c->len + n > INT32_MAX) {
                st->failed = 2;
                return;
            }
            if (grow((void **)&c->data, &c->cap, c->len + n, 1) < 0) {
                st->failed = 1;
                return;
            }
            memcpy(c->data + c->len, v, n);
            c->len += n;
            c->valid[row >> 3] |= (uint8_t)(1u << (row & 7));
        } else {
            c->nulls++;
        }
        c->offsets[row + 1] = (int32_t)c->len;
    }
    t->rows = row + 1;
}

/* Append the element's attributes as a row (the reader's ``_Columns.add``). */
static void add_row(State *st, int which, int64_t id, const XML_Char **atts) {
    Table *t = &st->tables[which];
    const char *values[MAX_COLS] = {0};
    for (; atts[0]; atts += 2) {
        int j = column_index(t, atts[0]);
        if (j >= 0)
            values[j] = atts[1];
    }
    add_values(st, t, id, values);
}

static const char *attr(const XML_Char **atts, const char *name) {
    for (; atts[0]; atts += 2)
        if (strcmp(atts[0], name) == 0)
            return atts[1];
    return NULL;
}

static void set_route(State *st, int j, const char *value) {
    free(st->route[j]);
    st->route[j] = NULL;
    st->route_set[j] = 0;
    if (value) {
        size_t n = strlen(value) + 1;
        st->route[j] = malloc(n);
        if (!st->route[j]) {
            st->failed = 1;
            return;
        }
        memcpy(st->route[j], value, n);
    }
    st->route_set[j] = value != NULL;
}

/* Hand an ExportDate or Me element to Python (with the GIL held meanwhile). */
static void add_extra(State *st, const char *name, const XML_Char **atts) {
    PyEval_RestoreThread(st->thread);
    PyObject *pairs = PyList_New(0);
    PyObject *item = NULL;
    if (!pairs)
        goto done;
    for (; atts[0]; atts += 2) {
        PyObject *pair = Py_BuildValue("(s s)", atts[0], atts[1]);
        if (!pair || PyList_Append(pairs, pair) < 0) {
            Py_XDECREF(pair);
            goto done;
        }
        Py_DECREF(pair);
    }
    item = Py_BuildValue("(s O)", name, pairs);
    if (item && PyList_Append(st->extras, item) == 0) {
        Py_DECREF(item);
        Py_DECREF(pairs);
        st->thread = PyEval_SaveThread();
        return;
    }
done:
    Py_XDECREF(item);
    Py_XDECREF(pairs);
    st->failed = 3; /* the Python error stays set for parse() to raise */
    st->thread = PyEval_SaveThread();
}

static void XMLCALL on_end(void *data, const XML_Char *name);

static int in(const State *st, int a) { return st->depth == 1 && st->stack[0] == a; }

static void push(State *st, int what) {
    if (st->depth < MAX_DEPTH)
        st->stack[st->depth] = what;
    st->depth++;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts) {
    State *st = data;
    if (st->failed)
        return;
    if (strcmp(name, "Record") == 0) {
        if (st->depth == 0) {
            st->owner = ++st->n;
            add_row(st, T_RECORDS, st->owner, atts);
        } else if (in(st, S_CORRELATION)) {
            add_row(st, T_CORRELATION_MEMBERS, st->owner, atts);
        }
    } else if (strcmp(name, "MetadataEntry") == 0) {
        if (st->depth == 0)
            add_row(st, T_RECORD_METADATA, st->owner, atts);
        else if (in(st, S_WORKOUT))
            add_row(st, T_WORKOUT_METADATA, st->owner, atts);
    } else if (strcmp(name, "InstantaneousBeatsPerMinute") == 0) {
        if (st->depth == 0)
            add_row(st, T_HRV_BEATS, st->owner, atts);
    } else if (strcmp(name, "HeartRateVariabilityMetadataList") == 0) {
        /* nothing: its beats belong to the latest Record */
    } else if (st->depth == 0) {
        int container = -1;
        for (int k = 0; k < N_CONTAINERS && container < 0; k++)
            if (strcmp(name, stack_names[k]) == 0)
                container = k;
        if (container >= 0) {
            st->owner = ++st->n;
            if (container == S_WORKOUT)
                add_row(st, T_WORKOUTS, st->owner, atts);
            else if (container == S_CORRELATION)
                add_row(st, T_CORRELATIONS, st->owner, atts);
            push(st, container);
            expat->SetElementHandler(st->parser, on_start, on_end);
        } else if (strcmp(name, "ActivitySummary") == 0) {
            add_row(st, T_ACTIVITY_SUMMARIES, 0, atts);
        } else if (strcmp(name, "ExportDate") == 0 || strcmp(name, "Me") == 0) {
            add_extra(st, name, atts);
        }
    } else if (in(st, S_WORKOUT)) {
        if (strcmp(name, "WorkoutStatistics") == 0) {
            add_row(st, T_WORKOUT_STATISTICS, st->owner, atts);
        } else if (strcmp(name, "WorkoutEvent") == 0) {
            add_row(st, T_WORKOUT_EVENTS, st->owner, atts);
        } else if (strcmp(name, "WorkoutRoute") == 0) {
            const Table *refs = &st->tables[T_WORKOUT_ROUTE_REFS];
            for (int j = 0; j < refs->ncols; j++)
                set_route(st, j, NULL);
            for (; atts[0]; atts += 2) {
                int j = column_index(refs, atts[0]);
                if (j >= 0)
                    set_route(st, j, atts[1]);
            }
            push(st, S_WORKOUT_ROUTE);
        }
    } else if (st->depth == 2 && st->stack[0] == S_WORKOUT && st->stack[1] == S_WORKOUT_ROUTE) {
        if (strcmp(name, "FileReference") == 0) {
            int j = column_index(&st->tables[T_WORKOUT_ROUTE_REFS], "path");
            if (j >= 0)
                set_route(st, j, attr(atts, "path"));
        } else if (strcmp(name, "Location") == 0) {
            add_row(st, T_WORKOUT_ROUTE_POINTS, st->owner, atts);
        }
    }
}

static void XMLCALL on_end(void *data, const XML_Char *name) {
    State *st = data;
    if (st->failed)
        return;
    if (st->depth == 2 && st->stack[0] == S_WORKOUT && st->stack[1] == S_WORKOUT_ROUTE &&
        strcmp(name, "WorkoutRoute") == 0) {
        const char *values[MAX_COLS] = {0};
        Table *refs = &st->tables[T_WORKOUT_ROUTE_REFS];
        for (int j = 0; j < refs->ncols; j++)
            values[j] = st->route_set[j] ? st->route[j] : NULL;
        add_values(st, refs, st->owner, values);
        st->depth--;
    } else if (st->depth == 1 && strcmp(name, stack_names[st->stack[0]]) == 0) {
        st->depth = 0;
        expat->SetElementHandler(st->parser, on_start, NULL);
    }
}

/* The three Arrow buffers of a column (validity None when nothing is missing) and its null count. */
static PyObject *column_result(const Column *c, size_t rows) {
    PyObject *valid;
    if (c->nulls && rows) {
        valid = PyBytes_FromStringAndSize((const char *)c->valid, (Py_ssize_t)(rows + 7) / 8);
    } else {
        valid = Py_None;
        Py_INCREF(valid);
    }
    int32_t zero = 0;
    PyObject *offsets = PyBytes_FromStringAndSize(rows ? (const char *)c->offsets : (const char *)&zero,
                                                  (Py_ssize_t)((rows + 1) * sizeof(int32_t)));
    PyObject *data = PyBytes_FromStringAndSize(c->data ? c->data : "", (Py_ssize_t)c->len);
    PyObject *out = NULL;
    if (valid && offsets && data)
        out = Py_BuildValue("(O O O n)", valid, offsets, data, c->nulls);
    Py_XDECREF(valid);
    Py_XDECREF(offsets);
    Py_XDECREF(data);
    return out;
}

/* (rows, ids as int64 bytes or None, [column buffers, ...]) */
static PyObject *table_result(const Table *t) {
    PyObject *ids = t->has_ids ? PyBytes_FromStringAndSize(t->ids ? (const char *)t->ids : "",
                                                           (Py_ssize_t)(t->rows * sizeof(int64_t)))
                               : (Py_INCREF(Py_None), Py_None);
    PyObject *cols = PyList_New(t->ncols);
    PyObject *out = NULL;
    if (!ids || !cols)
        goto done;
    for (int j = 0; j < t->ncols; j++) {
        PyObject *c = column_result(&t->cols[j], t->rows);
        if (!c)
            goto done;
        PyList_SET_ITEM(cols, j, c);
    }
    out = Py_BuildValue("(n O O)", (Py_ssize_t)t->rows, ids, cols);
done:
    Py_XDECREF(ids);
    Py_XDECREF(cols);
    return out;
}

static void state_free(State *st) {
    for (int i = 0; i < N_TABLES; i++)
        table_free(&st->tables[i]);
    for (int j = 0; j < MAX_COLS; j++)
        free(st->route[j]);
    Py_XDECREF(st->extras);
    if (st->parser)
        expat->ParserFree(st->parser);
}

/* Whether ``p`` holds a control character XML 1.0 forbids (below 0x20 but tab, newline, return).
 * Branch-free within each block, so the compiler can vectorise it: real exports rarely have any. */
static int has_control(const unsigned char *p, size_t n) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        unsigned bad = 0;
        for (int k = 0; k < 64; k++) {
            unsigned c = p[i + k];
            bad |= (c < 0x20) & (c != '\t') & (c != '\n') & (c != '\r');
        }
        if (bad)
            return 1;
    }
    for (; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
            return 1;
    return 0;
}

/* A copy of ``p`` without those characters (the reader's ``bytes.translate``); its length in *out_n. */
static char *without_control(const unsigned char *p, size_t n, size_t *out_n) {
    char *out = malloc(n ? n : 1);
    size_t j = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
            out[j++] = (char)p[i];
    *out_n = j;
    return out;
}

static int feed(State *st, const char *s, Py_ssize_t len, int final) {
    return expat->Parse(st->parser, s, (int)len, final) == XML_STATUS_OK;
}

PyDoc_STRVAR(parse_doc,
             "parse(data, index) -> (tables, extras)\n\n"
             "Parse ``data`` (whole top-level elements; control characters XML forbids are dropped) of chunk\n"
             "``index``. ``tables``: one (rows, ids, columns) per table of COMPILED_TABLES, each column\n"
             "(validity, offsets, data, null_count) as bytes for pyarrow; ``extras``: the ExportDate and\n"
             "Me elements as (name, [(attribute, value), ...]). Raises XMLError(message, line) for\n"
             "XML that is not well-formed and OverflowError if a column outgrows 2 GiB.");

static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer buf;
    long long index;
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "_fastparse.configure() was not called");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*L", &buf, &index))
        return NULL;
    State *st = calloc(1, sizeof *st);
    PyObject *result = NULL;
    if (!st) {
        PyBuffer_Release(&buf);
        return PyErr_NoMemory();
    }
    for (int i = 0; i < N_TABLES; i++)
        table_init(&st->tables[i], i);
    st->n = st->owner = (int64_t)index << 32;
    st->extras = PyList_New(0);
    st->parser = expat->ParserCreate_MM("UTF-8", NULL, NULL);
    if (!st->extras || !st->parser) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    expat->SetUserData(st->parser, st);
    expat->SetElementHandler(st->parser, on_start, NULL);

    int ok = 1;
    char *cleaned = NULL;
    const char *text = buf.buf;
    size_t len = (size_t)buf.len;
    st->thread = PyEval_SaveThread();
    if (has_control(buf.buf, len)) {
        cleaned = without_control(buf.buf, len, &len);
        text = cleaned;
        if (!cleaned)
            st->failed = 1;
    }
    ok = !st->failed && feed(st, "<HealthData>", 12, 0);
    for (size_t off = 0; ok && off < len; off += FEED_BYTES) {
        size_t n = len - off < FEED_BYTES ? len - off : FEED_BYTES;
        ok = feed(st, text + off, (Py_ssize_t)n, 0);
    }
    ok = ok && feed(st, "</HealthData>", 13, 1);
    PyEval_RestoreThread(st->thread);
    free(cleaned);

    if (st->failed == 3)
        goto done;
    if (st->failed == 1) {
        PyErr_NoMemory();
        goto done;
    }
    if (st->failed == 2) {
        PyErr_SetString(PyExc_OverflowError, "a bronze column of this chunk exceeds 2 GiB");
        goto done;
    }
    if (!ok) {
        enum XML_Error code = expat->GetErrorCode(st->parser);
        PyObject *err = Py_BuildValue("(s k)", expat->ErrorString(code),
                                      (unsigned long)expat->GetErrorLineNumber(st->parser));
        if (err) {
            PyErr_SetObject(XMLError, err);
            Py_DECREF(err);
        }
        goto done;
    }
    PyObject *tables = PyList_New(N_TABLES);
    if (!tables)
        goto done;
    for (int i = 0; i < N_TABLES; i++) {
        PyObject *t = table_result(&st->tables[i]);
        if (!t) {
            Py_DECREF(tables);
            goto done;
        }
        PyList_SET_ITEM(tables, i, t);
    }
    result = Py_BuildValue("(N O)", tables, st->extras);
done:
    state_free(st);
    free(st);
    PyBuffer_Release(&buf);
    return result;
}

PyDoc_STRVAR(configure_doc,
             "configure(layouts)\n\n"
             "Set the column layout of every table of COMPILED_TABLES, in order: (table name, has_ids,\n"
             "attribute names) each.");

static PyObject *configure(PyObject *self, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "layouts must be a sequence");
    if (!seq)
        return NULL;
    if (PySequence_Fast_GET_SIZE(seq) != N_TABLES) {
        Py_DECREF(seq);
        return PyErr_Format(PyExc_ValueError, "expected %d table layouts", N_TABLES);
    }
    for (int i = 0; i < N_TABLES; i++) {
        const char *table;
        int has_ids;
        PyObject *names;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "spO", &table, &has_ids, &names))
            goto fail;
        if (strcmp(table, table_names[i]) != 0) {
            PyErr_Format(PyExc_ValueError, "table %d is %s, not %s", i, table_names[i], table);
            goto fail;
        }
        PyObject *ns = PySequence_Fast(names, "attribute names must be a sequence");
        if (!ns)
            goto fail;
        Py_ssize_t count = PySequence_Fast_GET_SIZE(ns);
        if (count > MAX_COLS) {
            Py_DECREF(ns);
            PyErr_Format(PyExc_ValueError, "at most %d columns per table", MAX_COLS);
            goto fail;
        }
        for (Py_ssize_t j = 0; j < count; j++) {
            Py_ssize_t size;
            const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(ns, j), &size);
            char *copy = s ? malloc((size_t)size + 1) : NULL;
            if (copy)
                memcpy(copy, s, (size_t)size + 1);
            if (!copy) {
                Py_DECREF(ns);
                if (!PyErr_Occurred())
                    PyErr_NoMemory();
                goto fail;
            }
            free(layout_names[i][j]);
            layout_names[i][j] = copy;
        }
        Py_DECREF(ns);
        layout_ncols[i] = (int)count;
        layout_ids[i] = has_ids;
    }
    Py_DECREF(seq);
    configured = 1;
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    configured = 0;
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, parse_doc},
    {"configure", configure, METH_O, configure_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_fastparse",
    .m_doc = "Compiled parse of Apple Health export chunks into bronze columns.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__fastparse(void) {
    expat = PyCapsule_Import(PyExpat_CAPSULE_NAME, 0);
    if (!expat)
        return NULL;
    if (strcmp(expat->magic, PyExpat_CAPI_MAGIC) != 0 ||
        (size_t)expat->size < offsetof(struct PyExpat_CAPI, SetStartDoctypeDeclHandler)) {
        PyErr_SetString(PyExc_ImportError, "pyexpat's C API is not the expected version");
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    XMLError = PyErr_NewExceptionWithDoc("biolake.sources.apple_health._fastparse.XMLError",
                                         "Not well-formed XML: args are (expat's message, line).",
                                         PyExc_ValueError, NULL);
    if (!XMLError || PyModule_AddObjectRef(m, "XMLError", XMLError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
