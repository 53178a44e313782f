/*
 * fuzz_json.c: the strict JSON reader of assertion headers and claims
 * (appliance/json.c json_parse), alone, so that libFuzzer reaches what
 * a signature would otherwise shield.
 *
 * Invariants: a parsed object has at most JSON_MAX_MEMBERS distinct
 * keys; keys and strings are UTF-8 without NUL and lie inside the
 * object's string buffer; the arrays' items add up to items_used; the
 * getters agree with the member types; and the object written again by
 * json_writer (strings, integers, string arrays) parses to the same
 * values.  A refusal is ERR_INPUT with a message that quotes nothing.
 */
#include "fuzz.h"

#include "json.h"

static void
check_string(const struct json_object *o, size_t len, const char *s)
{
	size_t n = strlen(s);

	FUZZ_CHECK(s >= o->strings && s + n < o->strings + len + 1,
		   "strings lie in the object's buffer");
	FUZZ_CHECK(fuzz_utf8((const unsigned char *)s, n),
		   "strings are UTF-8 without NUL");
}

static void
check_member(const struct json_object *o, size_t len,
	     const struct json_member *m)
{
	const char *s = NULL;
	const char *const *items = NULL;
	int64_t v = 0;
	size_t count = 0, i;

	check_string(o, len, m->key);
	FUZZ_CHECK(json_find(o, m->key) == m, "keys are distinct");
	FUZZ_CHECK(json_get_string(o, m->key, &s) ==
		   (m->type == JSON_STRING ? 1 : -1), "string getter");
	FUZZ_CHECK(json_get_int(o, m->key, &v) ==
		   (m->type == JSON_INT ? 1 : -1), "int getter");
	FUZZ_CHECK(json_get_string_array(o, m->key, &items, &count) ==
		   (m->type == JSON_STRING_ARRAY ? 1 : -1), "array getter");
	if (m->type == JSON_STRING) {
		check_string(o, len, m->string);
	}
	if (m->type == JSON_STRING_ARRAY) {
		FUZZ_CHECK(m->count <= JSON_MAX_ITEMS &&
			   m->items >= o->items &&
			   m->items + m->count <= o->items + o->items_used,
			   "array items lie in the object's item table");
		for (i = 0; i < m->count; i++) {
			check_string(o, len, m->items[i]);
		}
	}
}

/* The members the writer can write, written by it (malloc'd). */
static char *
write_again(const struct json_object *o)
{
	struct json_writer w;
	struct err e = { 0 };
	char *text = NULL;
	size_t i;

	json_writer_start(&w);
	for (i = 0; i < o->count; i++) {
		const struct json_member *m = &o->members[i];

		if (m->type == JSON_STRING) {
			json_writer_string(&w, m->key, m->string);
		} else if (m->type == JSON_INT) {
			json_writer_int(&w, m->key, m->number);
		} else if (m->type == JSON_STRING_ARRAY) {
			json_writer_string_array(&w, m->key, m->items,
						 m->count);
		}
	}
	FUZZ_CHECK(json_writer_finish(&w, &text, &e) == 0, "the writer "
		   "writes what the reader read");
	return text;
}

static void
check_round_trip(const struct json_object *o)
{
	char *text = write_again(o);
	struct json_object *back = NULL;
	struct err e = { 0 };
	size_t i, j, n = 0;

	if (strlen(text) > JSON_MAX_BYTES) {	/* escapes grew it */
		free(text);
		return;
	}
	FUZZ_CHECK(json_parse(text, strlen(text), &back, &e) == 0,
		   "what the writer wrote parses");
	for (i = 0; i < o->count; i++) {
		const struct json_member *m = &o->members[i], *b;

		if (m->type != JSON_STRING && m->type != JSON_INT &&
		    m->type != JSON_STRING_ARRAY) {
			continue;
		}
		b = &back->members[n++];
		FUZZ_CHECK(strcmp(b->key, m->key) == 0 && b->type == m->type,
			   "the same keys and types, in order");
		FUZZ_CHECK(m->type != JSON_STRING ||
			   strcmp(b->string, m->string) == 0, "same string");
		FUZZ_CHECK(m->type != JSON_INT || b->number == m->number,
			   "same integer");
		if (m->type == JSON_STRING_ARRAY) {
			FUZZ_CHECK(b->count == m->count, "same array size");
			for (j = 0; j < m->count; j++) {
				FUZZ_CHECK(strcmp(b->items[j],
						  m->items[j]) == 0,
					   "same array items");
			}
		}
	}
	FUZZ_CHECK(back->count == n, "no member more, none less");
	json_free(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	struct json_object *o = NULL;
	struct err e = { 0 };
	size_t i, items = 0;

	if (json_parse(text, size, &o, &e) != 0) {
		FUZZ_CHECK(o == NULL, "no object on refusal");
		FUZZ_CHECK(e.code == ERR_INPUT, "a refusal is ERR_INPUT (not "
			   "the string buffer overflow)");
		FUZZ_CHECK(strncmp(e.msg, "JSON refused", 12) == 0,
			   "a refusal says JSON refused");
		free(text);
		return 0;
	}
	FUZZ_CHECK(size <= JSON_MAX_BYTES, "no more than JSON_MAX_BYTES");
	FUZZ_CHECK(o->count <= JSON_MAX_MEMBERS, "at most 64 members");
	FUZZ_CHECK(o->items_used <= JSON_MAX_ITEMS, "at most 64 items");
	for (i = 0; i < o->count; i++) {
		check_member(o, size, &o->members[i]);
		if (o->members[i].type == JSON_STRING_ARRAY) {
			items += o->members[i].count;
		}
	}
	FUZZ_CHECK(items == o->items_used, "the arrays hold every item");
	check_round_trip(o);
	json_free(o);
	free(text);
	return 0;
}
