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
 *
 * Each has its Python version beside its caller, which runs where this module could not be
 * built (no compiler at install); tests/test_speedups.py checks that both give the same.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "kqxl._speedups", "kqxl's per-byte and per-cell loops, in C.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
