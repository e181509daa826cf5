/* kqxl's loops that run once per byte or per cell of a sheet, in C (optional: setup.py).
 *
 * scan_window: the byte scan of one window of a sheet part, in one pass (reader._scan_window).
 *   kqxl.book.reader scans every sheet's XML before calamine reads it (how many cells, how far
 *   they reach, error cells, formulas without a value). In Python that costs six C-speed passes
 *   per window (counts, `in` tests, a regex at every cell); this walks the window's tags once.
 *   It returns raw facts, which reader.py combines exactly as its Python scan does.
 * normalise_row: calamine's row in kqxl's values, in place (reader._normalised_py).
 * columns: a sheet's rows as columns (validate._data_columns: zip_longest over the rows).
 * instances: many findings at once, unvalidated (results._instance_setter, per column).
 * finding_keys: the sort key of each finding (evaluate._in_place_order).
 * differing: the cells of a computed column whose value changes (api._changed_rows).
 * new_cells, rewrite_rows: a recompute's new cells placed among a row's cells, and the rows
 *   of a sheet rewritten so (sheetxml.SheetRewriter._new_cells and run).
 * convert_cells, look_up, where, where_is, where_type, text_marks, name_keys: a column's cells converted
 *   as kqxl.engine.convert's comprehensions convert them. Only the cells whose result is plain
 *   (a float >= 0 in a money column, a date in range, text without spaces at its ends) are
 *   done here; every other cell is handed to the Python function for one cell, so the rules
 *   for odd cells exist once, in Python.
 *
 * Each has its Python version beside its caller, which runs where this module could not be
 * built (no compiler at install); tests/test_speedups.py checks that both give the same.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <math.h>
#include <string.h>

/* Rows and columns beyond these are all "absurdly far": the exact figure does not matter. */
#define BIG_ROW 1000000000000000000LL /* 10**18 */
#define BIG_COL 1000000000000000000LL

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static unsigned char upper(unsigned char c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

static int has(const unsigned char *hay, Py_ssize_t n, const char *needle)
{
    size_t m = strlen(needle);
#if defined(__GLIBC__) || defined(__APPLE__)
    return memmem(hay, (size_t)n, needle, m) != NULL;
#else
    const unsigned char *p = hay, *end = hay + n;
    while (end - p >= (Py_ssize_t)m) {
        p = memchr(p, needle[0], (size_t)(end - p) - m + 1);
        if (p == NULL)
            return 0;
        if (memcmp(p, needle, m) == 0)
            return 1;
        p++;
    }
    return 0;
#endif
}

static int starts(const unsigned char *p, const unsigned char *end, const char *s, size_t m)
{
    return end - p >= (Py_ssize_t)m && memcmp(p, s, m) == 0;
}

/* A string of digits or letters is "greater" as reader._greater means it: longer, or as long
 * and greater at the first difference (letters compared upper-cased). */
static int greater(const unsigned char *s, Py_ssize_t n, const char *than, Py_ssize_t k, int letters)
{
    Py_ssize_t i;
    if (n != k)
        return n > k;
    for (i = 0; i < n; i++) {
        unsigned char a = letters ? upper(s[i]) : s[i];
        if (a != (unsigned char)than[i])
            return a > (unsigned char)than[i];
    }
    return 0;
}

static void letters_of(long long col, char *out)
{
    char tmp[32];
    int n = 0, i;
    while (col > 0 && n < 30) {
        long long rem = (col - 1) % 26;
        tmp[n++] = (char)('A' + rem);
        col = (col - 1) / 26;
    }
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* scan_window(window, prefix, max_row, max_col, no_prefix_check) -> tuple, see reader.py */
static PyObject *scan_window(PyObject *self, PyObject *args)
{
    Py_buffer wb, pb;
    long long max_row, max_col;
    int check_prefixed;
    if (!PyArg_ParseTuple(args, "y*y*LLp", &wb, &pb, &max_row, &max_col, &check_prefixed))
        return NULL;
    const unsigned char *buf = wb.buf, *end = buf + wb.len;
    const char *prefix = pb.buf;
    size_t plen = (size_t)pb.len;
    long long n_open = 0, n_not = 0, refs = 0, valid = 0, last_row = 0;
    long long found_row = 0, found_col = 0;
    int beyond = 0, prefixed = 0, errors = 0, formula_tag = 0, valueless = 0;
    char head_tail[8] = "c r=\"";
    char close_c[40], close_f[40], v_close[40];
    char rowstr[32], colstr[32];
    Py_ssize_t rk, ck;

    if (plen > 16) {
        PyBuffer_Release(&wb);
        PyBuffer_Release(&pb);
        PyErr_SetString(PyExc_ValueError, "namespace prefix too long");
        return NULL;
    }
    /* "</{p}c>", "</{p}f>", "></{p}v>" */
    snprintf(close_c, sizeof close_c, "</%.*sc>", (int)plen, prefix);
    snprintf(close_f, sizeof close_f, "</%.*sf>", (int)plen, prefix);
    snprintf(v_close, sizeof v_close, "></%.*sv>", (int)plen, prefix);

    Py_BEGIN_ALLOW_THREADS

    /* The last cell reference of the window (rows ascend): `<{p}c r="` then [A-Z]{1,3}[0-9]{1,7}" */
    {
        Py_ssize_t at = wb.len;
        while (at > 0) {
            const unsigned char *q;
            at--;
            while (at > 0 && buf[at] != '<')
                at--;
            if (buf[at] != '<')
                break;
            q = buf + at;
            if (starts(q + 1, end, prefix, plen) && starts(q + 1 + plen, end, head_tail, 5)) {
                const unsigned char *s = q + 1 + plen + 5, *t = s;
                while (t < end && t - s < 4 && *t >= 'A' && *t <= 'Z')
                    t++;
                if (t - s >= 1 && t - s <= 3) {
                    const unsigned char *d = t;
                    long long row = 0;
                    while (d < end && d - t < 8 && is_digit(*d)) {
                        row = row * 10 + (*d - '0');
                        d++;
                    }
                    if (d - t >= 1 && d - t <= 7 && d < end && *d == '"')
                        last_row = row;
                }
                break;
            }
        }
    }
    if (last_row > max_row)
        max_row = last_row;
    if (max_row > BIG_ROW)
        max_row = BIG_ROW;
    if (max_col > BIG_COL)
        max_col = BIG_COL;
    if (max_row > 0)
        snprintf(rowstr, sizeof rowstr, "%lld", max_row);
    else
        rowstr[0] = '\0';
    if (max_col > 0)
        letters_of(max_col, colstr);
    else
        colstr[0] = '\0';
    rk = (Py_ssize_t)strlen(rowstr);
    ck = (Py_ssize_t)strlen(colstr);

    {
        const unsigned char *p = buf;
        while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
            const unsigned char *q = p + 1;
            if (q < end && *q == '/') {
                /* a cell ending right after its formula or an empty tag: </f></c>, /></c> */
                if (starts(p, end, close_c, strlen(close_c))) {
                    size_t fl = strlen(close_f);
                    if ((p - buf >= (Py_ssize_t)fl && memcmp(p - fl, close_f, fl) == 0) ||
                        (p - buf >= 2 && p[-2] == '/' && p[-1] == '>'))
                        valueless = 1;
                }
                p = q;
                continue;
            }
            if (!starts(q, end, prefix, plen)) {
                p = q;
                continue;
            }
            q += plen;
            if (q >= end) {
                p = q;
                continue;
            }
            if (*q == 'c') {
                const unsigned char *r = q + 1;
                n_open++;
                if (r < end && (*r == 'o' || *r == 'f' || *r == 'u' || *r == 'e')) {
                    n_not++;
                } else if (starts(r, end, " r=\"", 4)) {
                    const unsigned char *s = r + 4, *t = s, *d;
                    refs++;
                    while (t < end && is_alpha(*t))
                        t++;
                    d = t;
                    while (d < end && is_digit(*d))
                        d++;
                    /* as reader._beyond's regex: columns past max_col, then a digit */
                    if (t > s && t < end && is_digit(*t) && greater(s, t - s, colstr, ck, 1))
                        beyond = 1;
                    /* rows past max_row, then the closing quote */
                    if (t > s && d > t && d < end && *d == '"' &&
                        greater(t, d - t, rowstr, rk, 0))
                        beyond = 1;
                    if (t > s && d > t && d < end && *d == '"') {
                        long long row = 0, col = 0;
                        const unsigned char *x;
                        valid++;
                        if (d - t > 18) {
                            row = BIG_ROW;
                        } else {
                            for (x = t; x < d; x++)
                                row = row * 10 + (*x - '0');
                        }
                        if (t - s > 12) {
                            col = BIG_COL;
                        } else {
                            for (x = s; x < t; x++)
                                col = col * 26 + (upper(*x) - 64);
                        }
                        if (row > found_row)
                            found_row = row;
                        if (col > found_col)
                            found_col = col;
                    }
                }
            } else if (*q == 'f') {
                if (q + 1 < end && (q[1] == '>' || q[1] == ' '))
                    formula_tag = 1;
            } else if (*q == 'v') {
                /* <v/>, <v />, <v></v> */
                if (starts(q + 1, end, "/>", 2) || starts(q + 1, end, " />", 3) ||
                    starts(q + 1, end, v_close, strlen(v_close)))
                    valueless = 1;
            }
            p = q;
        }
    }
    if (check_prefixed) {
        const unsigned char *p = buf;
        while ((p = memchr(p, ':', (size_t)(end - p))) != NULL) {
            if (end - p >= 3 && p[1] == 'c' && (is_space(p[2]) || p[2] == '>' || p[2] == '/')) {
                prefixed = 1;
                break;
            }
            p++;
        }
    }
    errors = has(buf, wb.len, "t=\"e\"") || has(buf, wb.len, "t='e'");

    Py_END_ALLOW_THREADS

    PyBuffer_Release(&wb);
    PyBuffer_Release(&pb);
    return Py_BuildValue("(LLLLiLLLiiii)", n_open, n_not, refs, last_row, beyond, valid,
                         found_row, found_col, prefixed, errors, formula_tag, valueless);
}

/* normalise_row(row, short, max_len, max_short) -> row: '' -> None, a whole float -> int, a
 * text of at most max_len characters -> the one object kept for it in short (while short holds
 * fewer than max_short). */
static PyObject *normalise_row(PyObject *self, PyObject *args)
{
    PyObject *row, *shared;
    Py_ssize_t max_len, max_short, i, n;
    if (!PyArg_ParseTuple(args, "O!O!nn", &PyList_Type, &row, &PyDict_Type, &shared, &max_len,
                          &max_short))
        return NULL;
    n = PyList_GET_SIZE(row);
    for (i = 0; i < n; i++) {
        PyObject *v = PyList_GET_ITEM(row, i);
        if (PyUnicode_CheckExact(v)) {
            Py_ssize_t len = PyUnicode_GET_LENGTH(v);
            if (len == 0) {
                Py_INCREF(Py_None);
                PyList_SetItem(row, i, Py_None);
            } else if (len <= max_len) {
                PyObject *same = PyDict_GetItemWithError(shared, v); /* borrowed */
                if (same != NULL) {
                    if (same != v) {
                        Py_INCREF(same);
                        PyList_SetItem(row, i, same);
                    }
                } else if (PyErr_Occurred()) {
                    return NULL;
                } else if (PyDict_GET_SIZE(shared) < max_short) {
                    if (PyDict_SetItem(shared, v, v) < 0)
                        return NULL;
                }
            }
        } else if (PyFloat_CheckExact(v)) {
            double d = PyFloat_AS_DOUBLE(v);
            if (isfinite(d) && floor(d) == d) {
                PyObject *whole = PyLong_FromDouble(d);
                if (whole == NULL)
                    return NULL;
                PyList_SetItem(row, i, whole);
            }
        }
    }
    Py_INCREF(row);
    return row;
}

/* columns(rows, width) -> list of tuples: the first `width` columns of `rows` (lists or tuples,
 * of any lengths), each as a tuple with None where a row is shorter; no more columns than the
 * longest row has. list(islice(zip_longest(*rows, fillvalue=None), width)), without the
 * iterator per row. */
static PyObject *columns(PyObject *self, PyObject *args)
{
    PyObject *rows, *out = NULL;
    Py_ssize_t width, n, i, j, longest = 0;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &rows, &width))
        return NULL;
    n = PyList_GET_SIZE(rows);
    for (i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyList_Check(row) && !PyTuple_Check(row)) {
            PyErr_SetString(PyExc_TypeError, "columns: each row must be a list or a tuple");
            return NULL;
        }
        if (Py_SIZE(row) > longest)
            longest = Py_SIZE(row);
    }
    if (width > longest)
        width = longest;
    if (width < 0)
        width = 0;
    out = PyList_New(width);
    if (out == NULL)
        return NULL;
    for (j = 0; j < width; j++) {
        PyObject *col = PyTuple_New(n);
        if (col == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, col);
    }
    for (i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        Py_ssize_t len = Py_SIZE(row), k = len < width ? len : width;
        PyObject **items = PyList_Check(row) ? ((PyListObject *)row)->ob_item
                                            : ((PyTupleObject *)row)->ob_item;
        for (j = 0; j < k; j++) {
            PyObject *v = items[j];
            Py_INCREF(v);
            PyTuple_SET_ITEM(PyList_GET_ITEM(out, j), i, v);
        }
        for (; j < width; j++) {
            Py_INCREF(Py_None);
            PyTuple_SET_ITEM(PyList_GET_ITEM(out, j), i, Py_None);
        }
    }
    return out;
}

/* instances(new, cls, dict_slot, fixed, template, names, columns) -> list: for each i, an
 * instance of cls made by new(cls) whose __dict__ (set through the descriptor dict_slot) is a
 * copy of template with template[names[k]] = columns[k][i]; then each (descriptor, value) of
 * fixed set on it. results._instance_setter for a column of values, without a Python call per
 * instance. */
static PyObject *instances(PyObject *self, PyObject *args)
{
    PyObject *new_fn, *cls, *dict_slot, *fixed, *template, *names, *cols, *out;
    Py_ssize_t n = -1, k, i, nk, nf;
    descrsetfunc set_dict;
    if (!PyArg_ParseTuple(args, "OO!OO!O!O!O!", &new_fn, &PyType_Type, &cls, &dict_slot,
                          &PyTuple_Type, &fixed,
                          &PyDict_Type, &template, &PyTuple_Type, &names, &PyTuple_Type, &cols))
        return NULL;
    nk = PyTuple_GET_SIZE(names);
    nf = PyTuple_GET_SIZE(fixed);
    set_dict = Py_TYPE(dict_slot)->tp_descr_set;
    if (set_dict == NULL || PyTuple_GET_SIZE(cols) != nk) {
        PyErr_SetString(PyExc_TypeError, "instances: bad slot or columns");
        return NULL;
    }
    for (k = 0; k < nf; k++) {
        PyObject *pair = PyTuple_GET_ITEM(fixed, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            Py_TYPE(PyTuple_GET_ITEM(pair, 0))->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "instances: fixed holds (descriptor, value) pairs");
            return NULL;
        }
    }
    for (k = 0; k < nk; k++) {
        PyObject *col = PyTuple_GET_ITEM(cols, k);
        if (!PyList_Check(col) && !PyTuple_Check(col)) {
            PyErr_SetString(PyExc_TypeError, "instances: each column must be a list or a tuple");
            return NULL;
        }
        if (n >= 0 && Py_SIZE(col) != n) {
            PyErr_SetString(PyExc_ValueError, "instances: the columns differ in length");
            return NULL;
        }
        n = Py_SIZE(col);
    }
    if (n < 0)
        n = 0;
    out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *d = PyDict_Copy(template), *obj;
        if (d == NULL)
            goto fail;
        for (k = 0; k < nk; k++) {
            PyObject *col = PyTuple_GET_ITEM(cols, k);
            PyObject *v = PyList_Check(col) ? PyList_GET_ITEM(col, i) : PyTuple_GET_ITEM(col, i);
            if (PyDict_SetItem(d, PyTuple_GET_ITEM(names, k), v) < 0) {
                Py_DECREF(d);
                goto fail;
            }
        }
        /* object.__new__(cls) without the call: its checks were made by the first */
        obj = i == 0 ? PyObject_CallOneArg(new_fn, cls)
                     : ((PyTypeObject *)cls)->tp_alloc((PyTypeObject *)cls, 0);
        if (obj == NULL) {
            Py_DECREF(d);
            goto fail;
        }
        PyList_SET_ITEM(out, i, obj); /* owned by out from here on */
        if (set_dict(dict_slot, obj, d) < 0) {
            Py_DECREF(d);
            goto fail;
        }
        Py_DECREF(d);
        for (k = 0; k < nf; k++) {
            PyObject *pair = PyTuple_GET_ITEM(fixed, k), *descr = PyTuple_GET_ITEM(pair, 0);
            if (Py_TYPE(descr)->tp_descr_set(descr, obj, PyTuple_GET_ITEM(pair, 1)) < 0)
                goto fail;
        }
    }
    return out;
fail:
    /* the list's unset slots are NULL, which list_dealloc skips */
    Py_DECREF(out);
    return NULL;
}

/* A column's letters as a number (A = 1, AA = 27), as kqxl.cells.column_index; -1 for a text
 * that is not ASCII (the caller then computes the keys in Python). */
static long long letters_value(PyObject *text)
{
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    long long v = 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch > 127 || n > 12)
            return -1;
        if (ch >= 'a' && ch <= 'z')
            ch -= 32;
        v = v * 26 + ((long long)ch - 64);
    }
    return v;
}

/* op(acc, value) for a Python int acc (released) and a C value; NULL if either is NULL */
static PyObject *step(PyObject *acc, long long value, binaryfunc op)
{
    PyObject *b, *r;
    if (acc == NULL)
        return NULL;
    b = PyLong_FromLongLong(value);
    r = b != NULL ? op(acc, b) : NULL;
    Py_DECREF(acc);
    Py_XDECREF(b);
    return r;
}

/* finding_keys(findings, sheet_order, other) -> list of int: evaluate._in_place_order's sort key
 * of each finding, (sheet place * row span + row) * column span + column, where the place is
 * sheet_order[sheet] (else other), a finding without a row has row 0 and one without a column
 * has column 0, and the spans are one past the largest row and column. */
static PyObject *finding_keys(PyObject *self, PyObject *args)
{
    PyObject *findings, *order, *out = NULL, *s_sheet, *s_row, *s_col;
    long long other, *rows = NULL, *cols = NULL, *places = NULL, row_span = 1, col_span = 1;
    Py_ssize_t n, i;
    if (!PyArg_ParseTuple(args, "O!O!L", &PyList_Type, &findings, &PyDict_Type, &order, &other))
        return NULL;
    n = PyList_GET_SIZE(findings);
    s_sheet = PyUnicode_InternFromString("sheet");
    s_row = PyUnicode_InternFromString("row");
    s_col = PyUnicode_InternFromString("column");
    rows = PyMem_Malloc(sizeof(long long) * (size_t)(n ? n : 1));
    cols = PyMem_Malloc(sizeof(long long) * (size_t)(n ? n : 1));
    places = PyMem_Malloc(sizeof(long long) * (size_t)(n ? n : 1));
    if (!s_sheet || !s_row || !s_col || !rows || !cols || !places) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        PyObject *f = PyList_GET_ITEM(findings, i), *v, *place;
        long long r = 0, c = 0, p = other;
        if ((v = PyObject_GetAttr(f, s_row)) == NULL)
            goto done;
        if (v != Py_None) {
            r = PyLong_AsLongLong(v);
            if (r == -1 && PyErr_Occurred()) {
                Py_DECREF(v);
                goto done;
            }
        }
        Py_DECREF(v);
        if ((v = PyObject_GetAttr(f, s_col)) == NULL)
            goto done;
        if (v != Py_None && PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) > 0) {
            c = letters_value(v);
            if (c < 0) {
                Py_DECREF(v);
                PyErr_SetString(PyExc_ValueError, "finding_keys: a column that is not letters");
                goto done;
            }
        } else if (v != Py_None && !PyUnicode_Check(v)) {
            Py_DECREF(v);
            PyErr_SetString(PyExc_TypeError, "finding_keys: a column that is not text");
            goto done;
        }
        Py_DECREF(v);
        if ((v = PyObject_GetAttr(f, s_sheet)) == NULL)
            goto done;
        place = PyDict_GetItemWithError(order, v); /* borrowed */
        Py_DECREF(v);
        if (place != NULL) {
            p = PyLong_AsLongLong(place);
            if (p == -1 && PyErr_Occurred())
                goto done;
        } else if (PyErr_Occurred()) {
            goto done;
        }
        rows[i] = r;
        cols[i] = c;
        places[i] = p;
        if (r + 1 > row_span)
            row_span = r + 1;
        if (c + 1 > col_span)
            col_span = c + 1;
    }
    out = PyList_New(n);
    if (out == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        /* Python ints of any size: computed exactly, as in Python, whatever the spans */
        PyObject *key;
        if (rows[i] >= 0 && places[i] >= 0 && row_span < (1LL << 30) && col_span < (1LL << 14) &&
            places[i] < (1LL << 16)) {
            key = PyLong_FromLongLong((places[i] * row_span + rows[i]) * col_span + cols[i]);
        } else {
            key = step(PyLong_FromLongLong(places[i]), row_span, PyNumber_Multiply);
            key = step(step(step(key, rows[i], PyNumber_Add), col_span, PyNumber_Multiply),
                       cols[i], PyNumber_Add);
        }
        if (key == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, key);
    }
done:
    PyMem_Free(rows);
    PyMem_Free(cols);
    PyMem_Free(places);
    Py_XDECREF(s_sheet);
    Py_XDECREF(s_row);
    Py_XDECREF(s_col);
    return out;
}

/* differing(rows, j, new) -> (indexes, blank): the indexes i where new[i] is not of the same
 * type as, or not equal (==) to, what rows[i] holds at j (None past a row's end), and whether
 * every row is blank there. api._changed_rows's first sieve, over the rows in one pass. */
static PyObject *differing(PyObject *self, PyObject *args)
{
    PyObject *rows, *fresh, *out, *result;
    Py_ssize_t j, n, i;
    int blank = 1;
    if (!PyArg_ParseTuple(args, "OnO", &rows, &j, &fresh))
        return NULL;
    if ((!PyList_Check(rows) && !PyTuple_Check(rows)) ||
        (!PyList_Check(fresh) && !PyTuple_Check(fresh)) || Py_SIZE(rows) != Py_SIZE(fresh)) {
        PyErr_SetString(PyExc_TypeError, "differing: rows and new are lists of one length");
        return NULL;
    }
    n = Py_SIZE(rows);
    out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *row = PySequence_Fast_GET_ITEM(rows, i);
        PyObject *held = Py_None, *value = PySequence_Fast_GET_ITEM(fresh, i), *eq;
        int same;
        if (!PyList_Check(row) && !PyTuple_Check(row)) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_TypeError, "differing: each row is a list or a tuple");
            return NULL;
        }
        if (j >= 0 && j < Py_SIZE(row))
            held = PySequence_Fast_GET_ITEM(row, j);
        if (held != Py_None)
            blank = 0;
        if (Py_TYPE(held) != Py_TYPE(value)) {
            same = 0;
        } else {
            /* bool(held == value), as Python computes it (no identity shortcut: nan != nan) */
            eq = PyObject_RichCompare(held, value, Py_EQ);
            if (eq == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            same = PyObject_IsTrue(eq);
            Py_DECREF(eq);
            if (same < 0) {
                Py_DECREF(out);
                return NULL;
            }
        }
        if (!same) {
            PyObject *k = PyLong_FromSsize_t(i);
            if (k == NULL || PyList_Append(out, k) < 0) {
                Py_XDECREF(k);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(k);
        }
    }
    result = Py_BuildValue("(NO)", out, blank ? Py_True : Py_False);
    return result;
}

/* The row merge of a first recompute (sheetxml.SheetRewriter): each row of a sheet gets its new
 * cells (the computed columns) placed among the cells it holds.
 *
 * new_cells(inner, open_tag, open_c, close_c, order, heads, tails, columns, cells, r,
 *           expected, fill) -> bytes | None: one row's cells with its new cells, as
 * SheetRewriter._new_cells makes them (its layout check is _cells_of's). inner: the row's XML
 * between its tags; open_tag: `<c r="` (with the sheet's prefix), open_c: `<c`, close_c:
 * `</c>`; order: the new cells' columns, ascending; heads[k]: `<c r="` and column order[k]'s
 * letters; tails[k]: column order[k]'s cache, a value (text) or (type, value) -> (its cell's
 * XML after the row number, what it holds); columns[k]: what fill takes for that column;
 * cells: column -> value; expected: a dict that takes (r, column) -> what it holds, or None;
 * fill(columns[k], value, digits) -> (tail, written) or None, for a value not in tails[k].
 * None when the row needs another way: a cell not found by its r (spelled otherwise, out of
 * order, something after the last cell), a new cell in a column the row holds, or fill gives
 * None.
 *
 * rewrite_rows(buf, pos, limit, sheet, state) -> (out, pos): the rows of buf from pos on, each
 * rewritten as SheetRewriter.run, _row and _changed_row rewrite it when every row takes the
 * new-cell way (no row shift, no array or shared formula, no highlight), until a row that
 * needs the Python way, the end of sheetData, a row cut by the end of buf, or more than limit
 * bytes written. sheet: (prefix, rows, row_order, shapes, replaced, sample, expected, fill,
 * open_tag, open_c, close_c, tries); state: [next_new, old_last_row, new_last_row,
 * prev_row_num, prev_row], read and updated. out holds the rows (and what lies between them)
 * from the pos given to the pos returned.
 */
typedef struct {
    char *data;
    Py_ssize_t len, cap;
} sink;

static int sink_add(sink *s, const char *p, Py_ssize_t n)
{
    if (n <= 0)
        return 0;
    if (s->len + n > s->cap) {
        Py_ssize_t cap = s->cap ? s->cap : 4096;
        char *grown;
        while (cap < s->len + n)
            cap *= 2;
        grown = PyMem_Realloc(s->data, (size_t)cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, (size_t)n);
    s->len += n;
    return 0;
}

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

static int is_word(unsigned char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

static Py_ssize_t find_from(const char *hay, Py_ssize_t n, Py_ssize_t from, const char *needle,
                            Py_ssize_t m)
{
    const char *p;
    if (from < 0 || from > n || m > n - from)
        return -1;
#if defined(__GLIBC__) || defined(__APPLE__)
    p = memmem(hay + from, (size_t)(n - from), needle, (size_t)m);
    return p == NULL ? -1 : (Py_ssize_t)(p - hay);
#else
    {
        const char *end = hay + n;
        p = hay + from;
        while (end - p >= m) {
            p = memchr(p, needle[0], (size_t)(end - p - m + 1));
            if (p == NULL)
                return -1;
            if (memcmp(p, needle, (size_t)m) == 0)
                return (Py_ssize_t)(p - hay);
            p++;
        }
        return -1;
    }
#endif
}

static Py_ssize_t count_of(const char *hay, Py_ssize_t n, const char *needle, Py_ssize_t m)
{
    Py_ssize_t count = 0, at = 0;
    while ((at = find_from(hay, n, at, needle, m)) >= 0) {
        count++;
        at += m;
    }
    return count;
}

/* The fixed inputs of the new-cell merge of one sheet. */
typedef struct {
    const char *tag, *oc, *cc;
    Py_ssize_t n_tag, n_oc, n_cc;
    PyObject *fill;
    PyObject *text_slot; /* the name "text": a column's (style, attributes) for a text */
    const char *pfx;     /* the sheet's namespace prefix */
    Py_ssize_t n_pfx;
} merge_args;

/* Whether a text goes into `<is><t>` as it is, as sheetxml.inline_text writes it without
 * xml:space or an escape: no whitespace at either end, nothing _NEEDS_ESCAPE finds, no
 * newline, not long. */
static int plain_text(PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (n == 0 || n > 16383)
        return 0;
    if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, 0)) ||
        Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, n - 1)))
        return 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < 0x20 || ch == '&' || ch == '<' || ch == '>' || ch == '_' ||
            (ch >= 0xd800 && ch <= 0xdfff) || ch == 0xfffe || ch == 0xffff)
            return 0;
    }
    return 1;
}

/* What one row's cells hold: each cell's start and column (grown as needed). */
typedef struct {
    Py_ssize_t *starts;
    long *cols;
    Py_ssize_t n, cap;
} layout;

static void layout_free(layout *l)
{
    PyMem_Free(l->starts);
    PyMem_Free(l->cols);
}

/* 1: the layout of inner's cells found; 0: the row needs the full merge; -1: error. */
static int cells_of(const merge_args *a, const char *in, Py_ssize_t n_in, layout *l)
{
    Py_ssize_t pos = 0, j, gt, end;
    l->n = 0;
    if (n_in == 0)
        return 1;
    /* each cell found by its r: _cells_of's findall of `<c r="LETTERS` digits `"` */
    while ((pos = find_from(in, n_in, pos, a->tag, a->n_tag)) >= 0) {
        Py_ssize_t at = pos + a->n_tag, letters = 0, numbers = 0;
        long col = 0;
        while (at + letters < n_in && letters < 4 && is_upper((unsigned char)in[at + letters])) {
            col = col * 26 + (in[at + letters] - 'A' + 1);
            letters++;
        }
        while (at + letters + numbers < n_in && is_digit((unsigned char)in[at + letters + numbers]))
            numbers++;
        if (letters < 1 || letters > 3 || numbers < 1 || at + letters + numbers >= n_in ||
            in[at + letters + numbers] != '"') {
            pos++;
            continue;
        }
        if (l->n == l->cap) {
            Py_ssize_t cap = l->cap ? 2 * l->cap : 32, *s2;
            long *c2;
            s2 = PyMem_Realloc(l->starts, cap * sizeof *s2);
            if (s2 == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            l->starts = s2;
            c2 = PyMem_Realloc(l->cols, cap * sizeof *c2);
            if (c2 == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            l->cols = c2;
            l->cap = cap;
        }
        l->starts[l->n] = pos;
        l->cols[l->n] = col;
        l->n++;
        pos = at + letters + numbers + 1;
    }
    if (l->n == 0 || count_of(in, n_in, a->oc, a->n_oc) != l->n)
        return 0;
    for (j = 1; j < l->n; j++)
        if (l->cols[j - 1] >= l->cols[j])
            return 0;
    /* the last cell ends as the cell pattern <c\b([^>]*?)(?:/>|>(.*?)</c>) ends it */
    gt = find_from(in, n_in, l->starts[l->n - 1], ">", 1);
    if (gt < 0)
        return 0;
    if (in[gt - 1] == '/') {
        end = gt + 1;
    } else {
        end = find_from(in, n_in, gt + 1, a->cc, a->n_cc);
        if (end < 0)
            return 0;
        end += a->n_cc;
    }
    for (; end < n_in; end++)
        if (!is_space((unsigned char)in[end]))
            return 0;
    return 1;
}

/* One row's cells with its new cells, into out: 1 done, 0 the row needs another way (out may
 * then hold part of it: the caller drops it), -1 error. */
static int merge_new(const merge_args *a, const char *in, Py_ssize_t n_in, PyObject *order,
                     PyObject *heads, PyObject *tails, PyObject *columns, PyObject *cells,
                     Py_ssize_t r, PyObject *expected, layout *l, sink *out)
{
    Py_ssize_t m = PyTuple_GET_SIZE(order), k, j, pos = 0, n_digits;
    char digit_text[32];
    PyObject *digits = NULL;
    int found = cells_of(a, in, n_in, l), status = -1;
    if (found <= 0)
        return found;
    if (PyList_GET_SIZE(heads) != m || PyList_GET_SIZE(tails) != m ||
        PyList_GET_SIZE(columns) != m) {
        PyErr_SetString(PyExc_TypeError, "new_cells: order, heads, tails and columns differ");
        return -1;
    }
    n_digits = snprintf(digit_text, sizeof digit_text, "%zd", r);
    /* a new cell where the row holds one: the row needs the merge */
    for (k = 0, j = 0; k < m; k++) {
        long col = PyLong_AsLong(PyTuple_GET_ITEM(order, k));
        if (col == -1 && PyErr_Occurred())
            return -1;
        while (j < l->n && l->cols[j] < col)
            j++;
        if (j < l->n && l->cols[j] == col)
            return 0;
    }
    /* the new cells, each before the first cell to its right */
    for (k = 0, j = 0; k < m; k++) {
        PyObject *colobj = PyTuple_GET_ITEM(order, k), *value, *key, *pair, *tail, *head;
        long col = PyLong_AsLong(colobj);
        value = PyDict_GetItemWithError(cells, colobj);
        if (value == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, colobj);
            goto done;
        }
        if (PyUnicode_CheckExact(value)) {
            key = value;
            Py_INCREF(key);
        } else {
            key = PyTuple_Pack(2, (PyObject *)Py_TYPE(value), value);
            if (key == NULL)
                goto done;
        }
        pair = PyDict_GetItemWithError(PyList_GET_ITEM(tails, k), key);
        Py_DECREF(key);
        if (pair != NULL) {
            Py_INCREF(pair);
        } else {
            PyObject *fit;
            if (PyErr_Occurred())
                goto done;
            /* a text seen for the first time (a key is new in every row) in a row whose cells
             * are not read back: written here as _new_tail writes it, once its column has
             * written a text (column.text holds the attributes), without what it holds */
            if (expected == Py_None && PyUnicode_CheckExact(value) && a->text_slot != NULL &&
                plain_text(value)) {
                fit = PyObject_GetAttr(PyList_GET_ITEM(columns, k), a->text_slot);
                if (fit == NULL)
                    goto done;
                if (PyTuple_Check(fit) && PyTuple_GET_SIZE(fit) == 2 &&
                    PyBytes_Check(PyTuple_GET_ITEM(fit, 1)) &&
                    PyBytes_Check(PyList_GET_ITEM(heads, k))) {
                    PyObject *attrs = PyTuple_GET_ITEM(fit, 1), *head = PyList_GET_ITEM(heads, k);
                    Py_ssize_t n_utf8, at;
                    const char *utf8 = PyUnicode_AsUTF8AndSize(value, &n_utf8);
                    if (utf8 == NULL) {
                        Py_DECREF(fit);
                        goto done;
                    }
                    while (j < l->n && l->cols[j] < col)
                        j++;
                    at = j < l->n ? l->starts[j] : n_in;
                    if ((at > pos && sink_add(out, in + pos, at - pos) < 0) ||
                        sink_add(out, PyBytes_AS_STRING(head), PyBytes_GET_SIZE(head)) < 0 ||
                        sink_add(out, digit_text, n_digits) < 0 ||
                        sink_add(out, PyBytes_AS_STRING(attrs), PyBytes_GET_SIZE(attrs)) < 0 ||
                        sink_add(out, "><", 2) < 0 || sink_add(out, a->pfx, a->n_pfx) < 0 ||
                        sink_add(out, "is><", 4) < 0 || sink_add(out, a->pfx, a->n_pfx) < 0 ||
                        sink_add(out, "t>", 2) < 0 || sink_add(out, utf8, n_utf8) < 0 ||
                        sink_add(out, "</", 2) < 0 || sink_add(out, a->pfx, a->n_pfx) < 0 ||
                        sink_add(out, "t></", 4) < 0 || sink_add(out, a->pfx, a->n_pfx) < 0 ||
                        sink_add(out, "is>", 3) < 0 || sink_add(out, a->cc, a->n_cc) < 0) {
                        Py_DECREF(fit);
                        goto done;
                    }
                    if (at > pos)
                        pos = at;
                    Py_DECREF(fit);
                    continue;
                }
                Py_DECREF(fit);
            }
            if (digits == NULL) {
                digits = PyBytes_FromStringAndSize(digit_text, n_digits);
                if (digits == NULL)
                    goto done;
            }
            pair = PyObject_CallFunctionObjArgs(a->fill, PyList_GET_ITEM(columns, k), value,
                                                digits, NULL);
            if (pair == NULL)
                goto done;
            if (pair == Py_None) {
                Py_DECREF(pair);
                status = 0;
                goto done;
            }
        }
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyBytes_Check(PyTuple_GET_ITEM(pair, 0)) || !PyBytes_Check(PyList_GET_ITEM(heads, k))) {
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "new_cells: tails hold (bytes, written) pairs");
            goto done;
        }
        if (expected != Py_None) {
            PyObject *where = Py_BuildValue("(nl)", r, col);
            if (where == NULL || PyObject_SetItem(expected, where, PyTuple_GET_ITEM(pair, 1)) < 0) {
                Py_XDECREF(where);
                Py_DECREF(pair);
                goto done;
            }
            Py_DECREF(where);
        }
        while (j < l->n && l->cols[j] < col)
            j++;
        {
            Py_ssize_t at = j < l->n ? l->starts[j] : n_in;
            if (at > pos) {
                if (sink_add(out, in + pos, at - pos) < 0) {
                    Py_DECREF(pair);
                    goto done;
                }
                pos = at;
            }
        }
        tail = PyTuple_GET_ITEM(pair, 0);
        head = PyList_GET_ITEM(heads, k);
        if (PyBytes_GET_SIZE(tail) > 0 &&
            (sink_add(out, PyBytes_AS_STRING(head), PyBytes_GET_SIZE(head)) < 0 ||
             sink_add(out, digit_text, n_digits) < 0 ||
             sink_add(out, PyBytes_AS_STRING(tail), PyBytes_GET_SIZE(tail)) < 0)) {
            Py_DECREF(pair);
            goto done;
        }
        Py_DECREF(pair);
    }
    if (sink_add(out, in + pos, n_in - pos) < 0)
        goto done;
    status = 1;
done:
    Py_XDECREF(digits);
    return status;
}

static PyObject *new_cells(PyObject *self, PyObject *args)
{
    const char *in;
    Py_ssize_t n_in, r;
    PyObject *order, *heads, *tails, *columns, *cells, *expected, *result = NULL;
    merge_args a;
    layout l = {NULL, NULL, 0, 0};
    sink out = {NULL, 0, 0};
    int status;
    if (!PyArg_ParseTuple(args, "y#y#y#y#O!O!O!O!O!nOO", &in, &n_in, &a.tag, &a.n_tag, &a.oc,
                          &a.n_oc, &a.cc, &a.n_cc, &PyTuple_Type, &order, &PyList_Type, &heads,
                          &PyList_Type, &tails, &PyList_Type, &columns, &PyDict_Type, &cells, &r,
                          &expected, &a.fill))
        return NULL;
    if (a.n_tag == 0 || a.n_oc < 2 || a.n_cc == 0) {
        PyErr_SetString(PyExc_ValueError, "new_cells: empty tags");
        return NULL;
    }
    a.pfx = a.oc + 1; /* `<` prefix `c` */
    a.n_pfx = a.n_oc - 2;
    a.text_slot = PyUnicode_InternFromString("text");
    if (a.text_slot == NULL)
        return NULL;
    status = merge_new(&a, in, n_in, order, heads, tails, columns, cells, r, expected, &l, &out);
    if (status > 0)
        result = PyBytes_FromStringAndSize(out.data ? out.data : "", out.len);
    else if (status == 0)
        result = Py_NewRef(Py_None);
    layout_free(&l);
    PyMem_Free(out.data);
    Py_DECREF(a.text_slot);
    return result;
}

/* The value of a `spans="lo:hi"` attribute of a row's attributes widened to the columns of
 * cells, as sheetxml._fix_spans does, into out. 1 done, 0 the attributes need the Python way,
 * -1 error. */
static int fixed_spans(const char *attrs, Py_ssize_t n, PyObject *cells, sink *out)
{
    Py_ssize_t at = find_from(attrs, n, 0, "spans", 5), v, colon = -1, close, i;
    long long lo = 0, hi = 0, a = 0, b = 0;
    PyObject *key, *value;
    Py_ssize_t it = 0;
    char text[64];
    int written;
    if (at < 0 || PyDict_GET_SIZE(cells) == 0)
        return sink_add(out, attrs, n) < 0 ? -1 : 1;
    /* the usual spelling only: one ` spans="digits:digits"` */
    if (find_from(attrs, n, at + 5, "spans", 5) >= 0 || at == 0 ||
        !is_space((unsigned char)attrs[at - 1]) || n - at < 8 || attrs[at + 5] != '=' ||
        attrs[at + 6] != '"')
        return 0;
    v = at + 7;
    close = find_from(attrs, n, v, "\"", 1);
    if (close < 0 || close - v > 12)
        return 0;
    for (i = v; i < close; i++) {
        if (attrs[i] == ':' && colon < 0 && i > v)
            colon = i;
        else if (!is_digit((unsigned char)attrs[i]))
            return 0;
    }
    if (colon < 0 || colon == close - 1)
        return 0;
    for (i = v; i < colon; i++)
        a = a * 10 + (attrs[i] - '0');
    for (i = colon + 1; i < close; i++)
        b = b * 10 + (attrs[i] - '0');
    lo = a;
    hi = b;
    while (PyDict_Next(cells, &it, &key, &value)) {
        long long col = PyLong_AsLongLong(key);
        if (col == -1 && PyErr_Occurred())
            return -1;
        if (col < lo)
            lo = col;
        if (col > hi)
            hi = col;
    }
    if (lo == a && hi == b)
        return sink_add(out, attrs, n) < 0 ? -1 : 1;
    written = snprintf(text, sizeof text, "spans=\"%lld:%lld\"", lo, hi);
    if (sink_add(out, attrs, at) < 0 || sink_add(out, text, written) < 0 ||
        sink_add(out, attrs + close + 1, n - close - 1) < 0)
        return -1;
    return 1;
}

#define NEW_TRIES_SLOT 11

static PyObject *rewrite_rows(PyObject *self, PyObject *args)
{
    const char *buf, *pfx;
    Py_ssize_t n_buf, pos, limit, n_pfx, start_len;
    PyObject *sheet, *state, *rows, *order, *shapes, *replaced, *sample, *expected, *result = NULL;
    PyObject *prev_row = NULL;
    Py_ssize_t next_new, old_last, new_last, prev_num, tries, prev_at = -1, prev_n = 0;
    merge_args a;
    layout l = {NULL, NULL, 0, 0};
    sink out = {NULL, 0, 0};
    char row_tag[40], end_tag[40];
    Py_ssize_t n_row_tag, n_end_tag;
    if (!PyArg_ParseTuple(args, "y#nnO!O!", &buf, &n_buf, &pos, &limit, &PyTuple_Type, &sheet,
                          &PyList_Type, &state))
        return NULL;
    if (PyTuple_GET_SIZE(sheet) != 12 || PyList_GET_SIZE(state) != 5) {
        PyErr_SetString(PyExc_TypeError, "rewrite_rows: sheet has 12 items, state 5");
        return NULL;
    }
    if (!PyBytes_Check(PyTuple_GET_ITEM(sheet, 0)) || !PyDict_Check(PyTuple_GET_ITEM(sheet, 1)) ||
        !PyList_Check(PyTuple_GET_ITEM(sheet, 2)) || !PyDict_Check(PyTuple_GET_ITEM(sheet, 3)) ||
        !PyDict_Check(PyTuple_GET_ITEM(sheet, 4)) || !PyBytes_Check(PyTuple_GET_ITEM(sheet, 8)) ||
        !PyBytes_Check(PyTuple_GET_ITEM(sheet, 9)) || !PyBytes_Check(PyTuple_GET_ITEM(sheet, 10))) {
        PyErr_SetString(PyExc_TypeError, "rewrite_rows: sheet's items are of the wrong types");
        return NULL;
    }
    pfx = PyBytes_AS_STRING(PyTuple_GET_ITEM(sheet, 0));
    n_pfx = PyBytes_GET_SIZE(PyTuple_GET_ITEM(sheet, 0));
    rows = PyTuple_GET_ITEM(sheet, 1);
    order = PyTuple_GET_ITEM(sheet, 2);
    shapes = PyTuple_GET_ITEM(sheet, 3);
    replaced = PyTuple_GET_ITEM(sheet, 4);
    sample = PyTuple_GET_ITEM(sheet, 5);
    expected = PyTuple_GET_ITEM(sheet, 6);
    a.fill = PyTuple_GET_ITEM(sheet, 7);
    a.tag = PyBytes_AS_STRING(PyTuple_GET_ITEM(sheet, 8));
    a.n_tag = PyBytes_GET_SIZE(PyTuple_GET_ITEM(sheet, 8));
    a.oc = PyBytes_AS_STRING(PyTuple_GET_ITEM(sheet, 9));
    a.n_oc = PyBytes_GET_SIZE(PyTuple_GET_ITEM(sheet, 9));
    a.cc = PyBytes_AS_STRING(PyTuple_GET_ITEM(sheet, 10));
    a.n_cc = PyBytes_GET_SIZE(PyTuple_GET_ITEM(sheet, 10));
    a.pfx = pfx;
    a.n_pfx = n_pfx;
    a.text_slot = NULL;
    tries = PyLong_AsSsize_t(PyTuple_GET_ITEM(sheet, NEW_TRIES_SLOT));
    if (tries == -1 && PyErr_Occurred())
        return NULL;
    if (n_pfx > 16 || a.n_tag == 0 || a.n_oc == 0 || a.n_cc == 0 || pos < 0 || pos > n_buf) {
        PyErr_SetString(PyExc_ValueError, "rewrite_rows: bad prefix, tags or position");
        return NULL;
    }
    next_new = PyLong_AsSsize_t(PyList_GET_ITEM(state, 0));
    old_last = PyLong_AsSsize_t(PyList_GET_ITEM(state, 1));
    new_last = PyLong_AsSsize_t(PyList_GET_ITEM(state, 2));
    prev_num = PyLong_AsSsize_t(PyList_GET_ITEM(state, 3));
    if (PyErr_Occurred())
        return NULL;
    a.text_slot = PyUnicode_InternFromString("text");
    if (a.text_slot == NULL)
        return NULL;
    n_row_tag = snprintf(row_tag, sizeof row_tag, "<%.*srow", (int)n_pfx, pfx);
    n_end_tag = snprintf(end_tag, sizeof end_tag, "</%.*srow>", (int)n_pfx, pfx);
    while (out.len <= limit) {
        Py_ssize_t lt, gt, close, end, r = 0, n_order, attrs_at, attrs_n, digits_n;
        PyObject *values, *shape = NULL, *known, *tried;
        const char *row;
        /* the next tag: a row's start here (anything else, such as </sheetData>, is Python's) */
        lt = find_from(buf, n_buf, pos, "<", 1);
        if (lt < 0 || lt + n_row_tag >= n_buf || memcmp(buf + lt, row_tag, n_row_tag) != 0 ||
            is_word((unsigned char)buf[lt + n_row_tag]))
            break;
        gt = find_from(buf, n_buf, lt + n_row_tag, ">", 1);
        if (gt < 0 || buf[gt - 1] == '/')
            break; /* cut, or an empty row */
        close = find_from(buf, n_buf, gt + 1, end_tag, n_end_tag);
        if (close < 0)
            break;
        end = close + n_end_tag;
        attrs_at = lt + n_row_tag;
        attrs_n = gt - attrs_at;
        /* the row's number, spelled as Excel spells it: ` r="123"` first */
        if (attrs_n < 6 || !is_space((unsigned char)buf[attrs_at]) || buf[attrs_at + 1] != 'r' ||
            buf[attrs_at + 2] != '=' || buf[attrs_at + 3] != '"')
            break;
        for (digits_n = 0; attrs_at + 4 + digits_n < gt && is_digit((unsigned char)buf[attrs_at + 4 + digits_n]); digits_n++)
            r = r * 10 + (buf[attrs_at + 4 + digits_n] - '0');
        if (digits_n < 1 || digits_n > 9 || buf[attrs_at + 4 + digits_n] != '"')
            break;
        n_order = PyList_GET_SIZE(order);
        if (next_new < n_order) {
            Py_ssize_t first = PyLong_AsSsize_t(PyList_GET_ITEM(order, next_new));
            if (first == -1 && PyErr_Occurred())
                goto fail;
            if (first < r)
                break; /* a new row goes before this one */
        }
        row = buf + lt;
        if (find_from(row, end - lt, 0, "array", 5) >= 0)
            break;
        {
            PyObject *rkey = PyLong_FromSsize_t(r);
            if (rkey == NULL)
                goto fail;
            values = PyDict_GetItemWithError(rows, rkey);
            Py_DECREF(rkey);
        }
        start_len = out.len;
        if (values == NULL) {
            if (PyErr_Occurred())
                goto fail;
            /* no change in this row: it stays as it is */
            if (sink_add(&out, buf + pos, end - pos) < 0)
                goto fail;
        } else {
            Py_ssize_t it = 0, k = 0;
            PyObject *key, *value, *written_to;
            int status;
            if (!PyDict_Check(values)) {
                PyErr_SetString(PyExc_TypeError, "rewrite_rows: a row's changes are a dict");
                goto fail;
            }
            if (find_from(buf, close, gt + 1, "si=", 3) >= 0)
                break; /* a shared formula */
            shape = PyTuple_New(PyDict_GET_SIZE(values));
            if (shape == NULL)
                goto fail;
            while (PyDict_Next(values, &it, &key, &value)) {
                Py_INCREF(key);
                PyTuple_SET_ITEM(shape, k++, key);
            }
            known = PyDict_GetItemWithError(shapes, shape);
            if (known == NULL || known == Py_None || !PyTuple_Check(known) ||
                PyTuple_GET_SIZE(known) != 4) {
                Py_DECREF(shape);
                if (PyErr_Occurred())
                    goto fail;
                break; /* a shape not seen yet, or one that cannot take new cells */
            }
            tried = PyDict_GetItemWithError(replaced, shape);
            if (tried == NULL && PyErr_Occurred()) {
                Py_DECREF(shape);
                goto fail;
            }
            if (tried != NULL) {
                Py_ssize_t times = PyLong_AsSsize_t(tried);
                if (times == -1 && PyErr_Occurred()) {
                    Py_DECREF(shape);
                    goto fail;
                }
                if (times >= tries) {
                    Py_DECREF(shape);
                    break;
                }
            }
            if (sample == Py_None) {
                written_to = expected;
            } else {
                PyObject *rkey = PyLong_FromSsize_t(r);
                int in_sample = rkey == NULL ? -1 : PySet_Contains(sample, rkey);
                Py_XDECREF(rkey);
                if (in_sample < 0) {
                    Py_DECREF(shape);
                    goto fail;
                }
                written_to = in_sample ? expected : Py_None;
            }
            if (sink_add(&out, buf + pos, lt - pos) < 0 || sink_add(&out, row_tag, n_row_tag) < 0) {
                Py_DECREF(shape);
                goto fail;
            }
            status = fixed_spans(buf + attrs_at, attrs_n, values, &out);
            if (status > 0 && sink_add(&out, ">", 1) < 0)
                status = -1;
            if (status > 0)
                status = merge_new(&a, buf + gt + 1, close - gt - 1,
                                   PyTuple_GET_ITEM(known, 0), PyTuple_GET_ITEM(known, 2),
                                   PyTuple_GET_ITEM(known, 3), PyTuple_GET_ITEM(known, 1),
                                   values, r, written_to, &l, &out);
            if (status > 0 && sink_add(&out, end_tag, n_end_tag) < 0)
                status = -1;
            if (status > 0 && tried != NULL) {
                PyObject *zero = PyLong_FromLong(0);
                if (zero == NULL || PyDict_SetItem(replaced, shape, zero) < 0)
                    status = -1;
                Py_XDECREF(zero);
            }
            Py_DECREF(shape);
            if (status < 0)
                goto fail;
            if (status == 0) {
                out.len = start_len; /* this row goes the Python way */
                break;
            }
            if (next_new < n_order) {
                Py_ssize_t first = PyLong_AsSsize_t(PyList_GET_ITEM(order, next_new));
                if (first == -1 && PyErr_Occurred())
                    goto fail;
                if (first == r)
                    next_new++;
            }
        }
        if (r > old_last)
            old_last = r;
        if (r > new_last)
            new_last = r;
        prev_num = r;
        prev_at = start_len + (lt - pos); /* the row as written: the next row may inherit */
        prev_n = out.len - prev_at;
        pos = end;
    }
    if (prev_at >= 0) {
        prev_row = PyBytes_FromStringAndSize(out.data + prev_at, prev_n);
        if (prev_row == NULL)
            goto fail;
    }
    {
        PyObject *items[4] = {PyLong_FromSsize_t(next_new), PyLong_FromSsize_t(old_last),
                              PyLong_FromSsize_t(new_last), PyLong_FromSsize_t(prev_num)};
        for (int q = 0; q < 4; q++) {
            if (items[q] == NULL) {
                for (int z = 0; z < 4; z++)
                    Py_XDECREF(items[z]);
                goto fail;
            }
        }
        for (int q = 0; q < 4; q++)
            PyList_SetItem(state, q, items[q]); /* steals */
        if (prev_row != NULL) {
            PyList_SetItem(state, 4, prev_row);
            prev_row = NULL;
        }
    }
    result = Py_BuildValue("(y#n)", out.data ? out.data : "", out.len, pos);
fail:
    Py_XDECREF(prev_row);
    Py_XDECREF(a.text_slot);
    layout_free(&l);
    PyMem_Free(out.data);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * A column's cells (kqxl.engine.convert, validate, columns).
 */

enum { CELLS_MONEY = 0, CELLS_INTEGER = 1, CELLS_DATE = 2, CELLS_TEXT = 3 };

/* (y, m, d) and (y, m, d, h, mi, s, us) packed so that packed order is field order. */
static long long date_key(PyObject *d)
{
    return ((long long)PyDateTime_GET_YEAR(d) * 100 + PyDateTime_GET_MONTH(d)) * 100 +
           PyDateTime_GET_DAY(d);
}

static long long time_key(PyObject *t)
{
    return (((long long)PyDateTime_DATE_GET_HOUR(t) * 60 + PyDateTime_DATE_GET_MINUTE(t)) * 60 +
            PyDateTime_DATE_GET_SECOND(t)) * 1000000LL +
           PyDateTime_DATE_GET_MICROSECOND(t);
}

/* -1: a before b, 0: equal, 1: after; both naive datetimes. */
static int moment_cmp(PyObject *a, PyObject *b)
{
    long long da = date_key(a), db = date_key(b), ta, tb;
    if (da != db)
        return da < db ? -1 : 1;
    ta = time_key(a);
    tb = time_key(b);
    return ta < tb ? -1 : (ta > tb ? 1 : 0);
}

static int is_text_space(PyObject *s, Py_ssize_t i)
{
    return Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, i));
}

/* The plain result of one cell, a new reference; NULL with no error set: not plain (the
 * caller hands the cell to Python); NULL with an error set: the error. */
static PyObject *plain_cell(PyObject *v, int kind, PyObject *const *bounds)
{
    if (v == Py_None)
        Py_RETURN_NONE;
    switch (kind) {
    case CELLS_MONEY: /* v.__class__ is float and 0.0 <= v < math.inf; int >= 0 -> float(v) */
        if (PyFloat_CheckExact(v)) {
            double d = PyFloat_AS_DOUBLE(v);
            if (d >= 0.0 && d < HUGE_VAL) {
                Py_INCREF(v);
                return v;
            }
            return NULL;
        }
        if (PyLong_CheckExact(v)) {
            int overflow;
            long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
            if (x == -1 && PyErr_Occurred())
                return NULL;
            if (overflow > 0 || (overflow == 0 && x >= 0))
                return PyNumber_Float(v);
        }
        return NULL;
    case CELLS_INTEGER: /* v.__class__ is int and v >= 0 */
        if (PyLong_CheckExact(v)) {
            int overflow;
            long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
            if (x == -1 && PyErr_Occurred())
                return NULL;
            if (overflow > 0 || (overflow == 0 && x >= 0)) {
                Py_INCREF(v);
                return v;
            }
        }
        return NULL;
    case CELLS_DATE: /* a date in [lo, hi]; a datetime in [lo_t, hi_t] -> its date */
        if (PyDate_CheckExact(v)) {
            long long k = date_key(v);
            if (date_key(bounds[0]) <= k && k <= date_key(bounds[1])) {
                Py_INCREF(v);
                return v;
            }
            return NULL;
        }
        if (PyDateTime_CheckExact(v)) {
            if (_PyDateTime_HAS_TZINFO(v)) {
                /* an aware datetime: compared as Python compares it (which raises) */
                int ok = PyObject_RichCompareBool(bounds[2], v, Py_LE);
                if (ok > 0)
                    ok = PyObject_RichCompareBool(v, bounds[3], Py_LE);
                if (ok <= 0)
                    return NULL;
            } else if (moment_cmp(bounds[2], v) > 0 || moment_cmp(v, bounds[3]) > 0) {
                return NULL;
            }
            return PyDate_FromDate(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v),
                                   PyDateTime_GET_DAY(v));
        }
        return NULL;
    case CELLS_TEXT: /* str.strip(v), "" -> None */
        if (PyUnicode_CheckExact(v)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(v), start = 0, end = n;
            /* str.strip(): Py_UNICODE_ISSPACE at both ends, as CPython's do_strip */
            while (start < n && is_text_space(v, start))
                start++;
            while (end > start && is_text_space(v, end - 1))
                end--;
            if (start == end)
                Py_RETURN_NONE;
            if (start == 0 && end == n) {
                Py_INCREF(v);
                return v;
            }
            return PyUnicode_Substring(v, start, end);
        }
        return NULL;
    }
    return NULL;
}

/* The two column drivers: each cell of values through fn, as a list (map_cells), or the
 * indexes of the cells test accepts (indexes_where). fn gives a new reference (NULL: error)
 * and is told the cell's index; test gives 1, 0 or -1 (error). */
typedef PyObject *(*cell_fn)(PyObject *v, Py_ssize_t i, void *ctx);
typedef int (*cell_test)(PyObject *v, void *ctx);

static int append_index(PyObject *out, Py_ssize_t i)
{
    PyObject *index = PyLong_FromSsize_t(i);
    int failed;
    if (index == NULL)
        return -1;
    failed = PyList_Append(out, index);
    Py_DECREF(index);
    return failed;
}

/* One pass over values: with fn, the list of fn(cell); else the indexes test accepts. */
static PyObject *column_pass(PyObject *values, const char *what, cell_fn fn, cell_test test,
                             void *ctx)
{
    PyObject *seq = PySequence_Fast(values, what), *out;
    Py_ssize_t n, i;
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    out = PyList_New(fn != NULL ? n : 0);
    if (out == NULL)
        goto fail;
    for (i = 0; i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        if (fn != NULL) {
            PyObject *got = fn(v, i, ctx);
            if (got == NULL)
                goto fail;
            PyList_SET_ITEM(out, i, got);
        } else {
            int yes = test(v, ctx);
            if (yes < 0 || (yes && append_index(out, i) < 0))
                goto fail;
        }
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

static PyObject *map_cells(PyObject *values, const char *what, cell_fn fn, void *ctx)
{
    return column_pass(values, what, fn, NULL, ctx);
}

static PyObject *indexes_where(PyObject *values, const char *what, cell_test test, void *ctx)
{
    return column_pass(values, what, NULL, test, ctx);
}

struct convert_ctx {
    int kind;
    PyObject *const *bounds;
    PyObject *one;
    PyObject *others; /* a list, or NULL */
};

static PyObject *convert_one(PyObject *v, Py_ssize_t i, void *ctx)
{
    struct convert_ctx *c = ctx;
    PyObject *got = plain_cell(v, c->kind, c->bounds);
    if (got != NULL || PyErr_Occurred())
        return got;
    if (c->others != NULL && append_index(c->others, i) < 0)
        return NULL;
    return PyObject_CallOneArg(c->one, v);
}

/* convert_cells(values, kind, one, bounds[, others]) -> list: each cell's plain result, or
 * one(cell) for a cell that is not plain; the index of each such cell is appended to the list
 * others when given. kind: 0 money, 1 integer, 2 date (bounds: lo, hi dates and lo_t, hi_t
 * datetimes), 3 text. */
static PyObject *convert_cells(PyObject *self, PyObject *args)
{
    PyObject *values, *bounds;
    struct convert_ctx c = {0, NULL, NULL, NULL};
    if (!PyArg_ParseTuple(args, "OiOO!|O!", &values, &c.kind, &c.one, &PyTuple_Type, &bounds,
                          &PyList_Type, &c.others))
        return NULL;
    if (c.kind < CELLS_MONEY || c.kind > CELLS_TEXT) {
        PyErr_SetString(PyExc_ValueError, "convert_cells: unknown kind");
        return NULL;
    }
    if (c.kind == CELLS_DATE) {
        if (PyTuple_GET_SIZE(bounds) != 4 || !PyDate_CheckExact(PyTuple_GET_ITEM(bounds, 0)) ||
            !PyDate_CheckExact(PyTuple_GET_ITEM(bounds, 1)) ||
            !PyDateTime_CheckExact(PyTuple_GET_ITEM(bounds, 2)) ||
            !PyDateTime_CheckExact(PyTuple_GET_ITEM(bounds, 3))) {
            PyErr_SetString(PyExc_TypeError, "convert_cells: bounds are (date, date, datetime, "
                                             "datetime)");
            return NULL;
        }
        c.bounds = &PyTuple_GET_ITEM(bounds, 0);
    }
    return map_cells(values, "convert_cells: values must be a sequence", convert_one, &c);
}

/* table[v] as Python's subscript gives it (a dict subclass's __missing__ included). */
static PyObject *get_item(PyObject *table, PyObject *v)
{
    if (PyDict_Check(table)) {
        PyObject *got = PyDict_GetItemWithError(table, v);
        if (got != NULL) {
            Py_INCREF(got);
            return got;
        }
        if (PyErr_Occurred())
            return NULL;
    }
    return PyObject_GetItem(table, v);
}

/* look_up(values, table[, flags]) -> [table[v] for v in values]; with flags, the pair of that
 * list and [i for i, v in enumerate(values) if table[v] is not None and flags[v]], in one pass
 * (a cell the table reads as blank is never flagged, and its flag is not looked up) */
static PyObject *look_up(PyObject *self, PyObject *args)
{
    PyObject *values, *table, *flags = NULL, *seq, *out, *flagged = NULL;
    Py_ssize_t n, i;
    if (!PyArg_ParseTuple(args, "OO|O", &values, &table, &flags))
        return NULL;
    seq = PySequence_Fast(values, "look_up: values must be a sequence");
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    out = PyList_New(n);
    if (out == NULL)
        goto fail;
    if (flags != NULL && (flagged = PyList_New(0)) == NULL)
        goto fail;
    for (i = 0; i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        PyObject *got = get_item(table, v);
        if (got == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, got);
        if (flags != NULL && got != Py_None) {
            PyObject *flag = get_item(flags, v);
            int truth;
            if (flag == NULL)
                goto fail;
            truth = flag == Py_True ? 1 : flag == Py_False ? 0 : PyObject_IsTrue(flag);
            Py_DECREF(flag);
            if (truth < 0 || (truth && append_index(flagged, i) < 0))
                goto fail;
        }
    }
    Py_DECREF(seq);
    if (flags == NULL)
        return out;
    {
        PyObject *pair = PyTuple_Pack(2, out, flagged);
        Py_DECREF(out);
        Py_DECREF(flagged);
        return pair;
    }
fail:
    Py_XDECREF(out);
    Py_XDECREF(flagged);
    Py_DECREF(seq);
    return NULL;
}

static int in_table(PyObject *v, void *table)
{
    PyObject *got;
    int truth;
    if (PyAnySet_Check((PyObject *)table))
        return PySet_Contains(table, v);
    got = get_item(table, v);
    if (got == NULL)
        return -1;
    truth = PyObject_IsTrue(got);
    Py_DECREF(got);
    return truth;
}

/* where(values, table) -> [i for i, v in enumerate(values) if table[v]]; for a set or a
 * frozenset table, [i for i, v in enumerate(values) if v in table] */
static PyObject *where(PyObject *self, PyObject *args)
{
    PyObject *values, *table;
    if (!PyArg_ParseTuple(args, "OO", &values, &table))
        return NULL;
    return indexes_where(values, "where: values must be a sequence", in_table, table);
}

static int is_target(PyObject *v, void *target) { return v == (PyObject *)target; }

/* where_is(values, target) -> [i for i, v in enumerate(values) if v is target] */
static PyObject *where_is(PyObject *self, PyObject *args)
{
    PyObject *values, *target;
    if (!PyArg_ParseTuple(args, "OO", &values, &target))
        return NULL;
    return indexes_where(values, "where_is: values must be a sequence", is_target, target);
}

struct types_ctx {
    PyObject *types;
    PyObject *few[4]; /* a few types (the usual case) are compared by pointer */
    Py_ssize_t k;
    int inside;
};

static int type_matches(PyObject *v, void *ctx)
{
    struct types_ctx *c = ctx;
    PyObject *type = (PyObject *)Py_TYPE(v);
    int found = 0;
    Py_ssize_t j;
    if (c->k < 0) {
        found = PySet_Contains(c->types, type);
        if (found < 0)
            return -1;
    } else {
        for (j = 0; j < c->k && !found; j++)
            found = c->few[j] == type;
    }
    return found == c->inside;
}

/* where_type(values, types, inside) -> [i for i, v in enumerate(values)
 *                                        if (type(v) in types) == inside] */
static PyObject *where_type(PyObject *self, PyObject *args)
{
    PyObject *values, *item;
    struct types_ctx c = {NULL, {NULL}, -1, 0};
    if (!PyArg_ParseTuple(args, "OO!p", &values, &PyFrozenSet_Type, &c.types, &c.inside))
        return NULL;
    if (PySet_GET_SIZE(c.types) <= 4) {
        PyObject *it = PyObject_GetIter(c.types);
        if (it == NULL)
            return NULL;
        c.k = 0;
        while ((item = PyIter_Next(it)) != NULL) {
            c.few[c.k++] = item; /* the frozenset keeps it alive */
            Py_DECREF(item);
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            return NULL;
    }
    return indexes_where(values, "where_type: values must be a sequence", type_matches, &c);
}

/* text_marks(values, mark) -> the indexes of the text cells that hold the character mark;
 * None when "\0".join(filter(None, values)) would fail (a true cell that is not text), or
 * when there is such a cell and a cell other than None or plain str (a str subclass, 0,
 * False) among them (columns.text_errors then has the column converted instead). */
static PyObject *text_marks(PyObject *self, PyObject *args)
{
    PyObject *values, *seq, *out;
    Py_UCS4 mark;
    Py_ssize_t n, i;
    int odd = 0;
    if (!PyArg_ParseTuple(args, "OC", &values, &mark))
        return NULL;
    seq = PySequence_Fast(values, "text_marks: values must be a sequence");
    if (seq == NULL)
        return NULL;
    out = PyList_New(0);
    if (out == NULL)
        goto fail;
    n = PySequence_Fast_GET_SIZE(seq);
    for (i = 0; i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        if (v == Py_None)
            continue;
        if (PyUnicode_Check(v)) {
            Py_ssize_t at = PyUnicode_FindChar(v, mark, 0, PyUnicode_GET_LENGTH(v), 1);
            if (at == -2 || (at >= 0 && append_index(out, i) < 0))
                goto fail;
            odd |= !PyUnicode_CheckExact(v);
            continue;
        }
        {
            int truth = PyObject_IsTrue(v);
            if (truth < 0)
                goto fail;
            if (truth)
                goto none;
            odd = 1;
        }
    }
    if (odd && PyList_GET_SIZE(out) > 0)
        goto none;
    Py_DECREF(seq);
    return out;
none:
    Py_DECREF(out);
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

/* A name that needs no NFKC and no split to be keyed: printable ASCII and CJK unified
 * ideographs (U+4E00-U+9FFF). NFKC leaves these alone, none is white space, and casefold
 * changes only the ASCII capitals among them (to their lower case). 0: another name (keyed
 * in Python); 1: its own key; 2: its key is the name with its capitals lowered. */
static int own_key(PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), i;
    int kind = PyUnicode_KIND(s), capitals = 0;
    const void *data = PyUnicode_DATA(s);
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {
            if (c <= 0x20 || c == 0x7f)
                return 0;
            capitals |= c >= 'A' && c <= 'Z';
        } else if (c < 0x4e00 || c > 0x9fff) {
            return 0;
        }
    }
    return capitals ? 2 : 1;
}

/* The name with its ASCII capitals lowered (own_key gave 2). */
static PyObject *lowered(PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), i;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    PyObject *out = PyUnicode_New(n, PyUnicode_MAX_CHAR_VALUE(s));
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), i,
                        c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return out;
}

static PyObject *name_key_of(PyObject *v, Py_ssize_t i, void *one)
{
    int plain = v != Py_None && PyUnicode_CheckExact(v) ? own_key(v) : 0;
    if (v == Py_None || plain == 1) {
        Py_INCREF(v);
        return v;
    }
    if (plain == 2)
        return lowered(v);
    return PyObject_CallOneArg((PyObject *)one, v);
}

/* name_keys(values, one) -> list: None stays None, a name of printable ASCII and CJK
 * ideographs is its key (capitals lowered), any other cell is one(cell). */
static PyObject *name_keys(PyObject *self, PyObject *args)
{
    PyObject *values, *one;
    if (!PyArg_ParseTuple(args, "OO", &values, &one))
        return NULL;
    return map_cells(values, "name_keys: values must be a sequence", name_key_of, one);
}

static PyMethodDef methods[] = {
    {"scan_window", scan_window, METH_VARARGS,
     "scan_window(window, prefix, max_row, max_col, check_prefixed) -> (cells, not_cells, "
     "refs, last_row, beyond, valid, found_row, found_col, prefixed, errors, formula_tag, "
     "valueless)"},
    {"normalise_row", normalise_row, METH_VARARGS,
     "normalise_row(row, short, max_len, max_short) -> row, normalised in place"},
    {"columns", columns, METH_VARARGS,
     "columns(rows, width) -> the first width columns of rows, as tuples"},
    {"instances", instances, METH_VARARGS,
     "instances(new, cls, dict_slot, fixed, template, names, columns) -> list of instances"},
    {"finding_keys", finding_keys, METH_VARARGS,
     "finding_keys(findings, sheet_order, other) -> the in-place sort key of each finding"},
    {"differing", differing, METH_VARARGS,
     "differing(rows, j, new) -> (indexes where new differs from column j of rows, blank)"},
    {"new_cells", new_cells, METH_VARARGS,
     "new_cells(inner, open_tag, open_c, close_c, order, heads, tails, columns, cells, r, "
     "expected, fill) -> the row's cells with the new ones, or None"},
    {"rewrite_rows", rewrite_rows, METH_VARARGS,
     "rewrite_rows(buf, pos, limit, sheet, state) -> (the rows rewritten, the position reached)"},
    {"convert_cells", convert_cells, METH_VARARGS,
     "convert_cells(values, kind, one, bounds[, others]) -> each cell converted (one(cell) if "
     "not plain; its index appended to others)"},
    {"look_up", look_up, METH_VARARGS,
     "look_up(values, table[, flags]) -> [table[v] for v in values] (and the indexes of the "
     "cells not None there that flags marks)"},
    {"where", where, METH_VARARGS,
     "where(values, table) -> [i for i, v in enumerate(values) if table[v]] (or v in table)"},
    {"where_is", where_is, METH_VARARGS,
     "where_is(values, target) -> [i for i, v in enumerate(values) if v is target]"},
    {"where_type", where_type, METH_VARARGS,
     "where_type(values, types, inside) -> indexes of the cells whose type is (not) in types"},
    {"text_marks", text_marks, METH_VARARGS,
     "text_marks(values, mark) -> indexes of the text cells holding mark, or None"},
    {"name_keys", name_keys, METH_VARARGS,
     "name_keys(values, one) -> each name's match key (one(cell) unless plain)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "kqxl._speedups", "kqxl's per-byte and per-cell loops, in C.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    return PyModule_Create(&module);
}
