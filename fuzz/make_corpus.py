#!/usr/bin/env python3
"""Writes the seed corpus of transcoder_fuzzer to fuzz/corpus/transcoder.

Each seed is METHOD \\0 PATH \\0 QUERY \\0 BODY (see transcoder_fuzzer.cc).
Rerun after editing SEEDS; files are named after the seeds, so unchanged
seeds keep their files. Files of seeds removed here must be deleted by hand;
the crash-* files (inputs of fixed bugs, see README.md) are not made here.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "transcoder")

NESTED_TREE = '{"child":' * 120 + '{}' + '}' * 120
NESTED_ARRAY = '[' * 200 + ']' * 200
EVERYTHING = json.dumps({
    "listingId": "L1", "pageSize": 25, "amountMinor": "-9223372036854775808",
    "bigCount": "18446744073709551615", "smallCount": 4294967295,
    "active": True, "ratio": 1e308, "weight": -3.5e38, "token": "AAEC/w==",
    "color": "GREEN", "tags": ["a", "b"], "ids": ["1", 2, "-3"],
    "colors": ["RED", 2], "price": {"min": "1", "max": "2"},
    "filter": {"price": {"min": 0}, "query": "caf\u00e9"},
    "items": [{"sku": "s1", "quantity": 3}, {}],
    "startTime": "2026-01-02T03:04:05.123456789+01:00", "ttl": "-1.5s",
    "updateMask": "pageSize,filter.query", "maxResults": "7",
    "includeHidden": False, "labels": {"k": "v", "": ""},
    "itemsBySku": {"s1": {"sku": "s1"}}, "renamed": "nick",
    "tree": {"name": "root", "child": {"child": {"name": "leaf"}}},
    "userId": "u1",
})

SEEDS = {
    # rentwave.v1.Users
    "users-register": ("POST", "/v1/users", "", json.dumps({
        "username": "alice", "password": "hunter22hunter",
        "displayName": "Alice", "email": "a@example.com",
        "address": {"line1": "1 Main St", "city": "Oslo",
                    "countryCode": "NO"}})),
    "users-register-proto-names": ("POST", "/v1/users", "",
                                   '{"display_name":"A","address":{"postal_code":"0150"}}'),
    "users-register-unknown-field": ("POST", "/v1/users", "",
                                     '{"username":"a","nope":1}'),
    "users-register-nested-unknown": ("POST", "/v1/users", "",
                                      '{"address":{"zip":"x"}}'),
    "users-register-with-query": ("POST", "/v1/users", "username=a", "{}"),
    "users-register-not-object": ("POST", "/v1/users", "", '["a"]'),
    "users-register-malformed": ("POST", "/v1/users", "", '{"username":'),
    "users-register-bom": ("POST", "/v1/users", "",
                           '\ufeff{"username":"bom"}'),
    "users-login": ("POST", "/v1/auth:login", "",
                    '{"username":"alice","password":"pw"}'),
    "users-login-encoded-verb": ("POST", "/v1/auth%3Alog%69n", "", "{}"),
    "users-logout": ("POST", "/v1/auth:logout", "", " \n\t "),
    "users-get-me": ("GET", "/v1/users/me", "", ""),
    "users-get-me-trailing-slash": ("GET", "/v1/users/me/", "", ""),
    "users-update-me": ("PATCH", "/v1/users/me",
                        "update_mask=display_name,address&updateMask=email",
                        '{"displayName":"Al","address":{"city":"Bergen"}}'),
    "users-update-me-bound-query": ("PATCH", "/v1/users/me",
                                    "user.email=x%40y.z", '{"email":"e"}'),
    "users-get-user": ("GET", "/v1/users/u-123", "", ""),
    "users-get-user-unicode": ("GET", "/v1/users/%E2%9C%93%c3%a9", "", ""),
    "users-get-user-slash": ("GET", "/v1/users/a%2Fb", "", ""),
    "users-get-user-bad-escape": ("GET", "/v1/users/%ZZ%4", "", ""),
    "users-get-user-invalid-utf8": ("GET", "/v1/users/%FF%C3", "", ""),
    "users-head-user": ("HEAD", "/v1/users/42", "", ""),
    "users-delete-405": ("DELETE", "/v1/users/42", "", ""),
    "users-get-with-body": ("GET", "/v1/users/42", "", '{"userId":"x"}'),
    # rentwave.resttest.routes.Catalog: every template form
    "catalog-get-item": ("GET", "/v1/items/abc", "name=n&revision=3", ""),
    "catalog-get-region-item": ("GET", "/v1/regions/eu-west/items/abc", "", ""),
    "catalog-revision-max": ("GET",
                             "/v1/items/abc/revisions/9223372036854775807", "",
                             ""),
    "catalog-revision-overflow": ("GET",
                                  "/v1/items/abc/revisions/-9223372036854775809",
                                  "", ""),
    "catalog-list-query": ("GET", "/v1/items",
                           "name=x&revision=-5&color=RED&flag=true&tags=a&tags=b"
                           "&location.region=eu&location.zone.id=z1"
                           "&item.name=n+m&labels=x", ""),
    "catalog-list-query-errors": ("GET", "/v1/items",
                                  "color=7&flag=yes&revision=1e3&nope&name=a&name=b",
                                  ""),
    "catalog-create": ("POST", "/v1/items", "",
                       '{"id":"i1","name":"N","extra":null}'),
    "catalog-replace": ("PUT", "/v1/items/abc", "", json.dumps({
        "name": "x", "revision": "12", "labels": {"k": "v"},
        "tags": ["a", "b"], "location": {"zone": {"id": "z"}},
        "item": {"id": "nested"}, "color": 1, "flag": True})),
    "catalog-update": ("PATCH", "/v1/items/xyz", "", '{"name":"renamed"}'),
    "catalog-delete": ("DELETE", "/v1/items/abc/", "", ""),
    "catalog-search-custom": ("SEARCH", "/v1/items", "name=q", ""),
    "catalog-search-lowercase": ("search", "/v1/items", "", ""),
    "catalog-cancel-verb": ("POST", "/v1/items/abc:cancel", "", "{}"),
    "catalog-batch-get": ("POST", "/v1/items:batchGet", "",
                          '{"tags":["a","\\u00e9\\ud83d\\ude00"]}'),
    "catalog-lone-surrogate": ("POST", "/v1/items:batchGet", "",
                               '{"name":"\\udc00"}'),
    "catalog-shelf": ("GET", "/v1/shelves/s1/items/i%2F2", "", ""),
    "catalog-files": ("GET", "/v1/files/a/b%2Fc/d.txt", "", ""),
    "catalog-files-empty": ("GET", "/v1/files/", "", ""),
    "catalog-tree-walk": ("GET", "/v1/trees/roots/x/y:walk", "", ""),
    "catalog-tree-colon-in-value": ("GET", "/v1/trees/roots/a:b/c:walk", "", ""),
    "catalog-zone": ("GET", "/v1/zones/z-9", "", ""),
    "catalog-colors": ("GET", "/v1/colors/RED/flags/true", "", ""),
    "catalog-colors-bad": ("GET", "/v1/colors/7/flags/yes", "", ""),
    "catalog-any": ("GET", "/v1/any/x/y/z", "", ""),
    "catalog-ping": ("GET", "/v1/ping", "", ""),
    "catalog-ping-post": ("POST", "/v1/ping", "", '{"id":"1"}'),
    "catalog-options-405": ("OPTIONS", "/v1/items", "", ""),
    "catalog-double-slash": ("GET", "/v1//items/abc", "", ""),
    # rentwave.resttest.gateway.Echo
    "echo-get": ("GET", "/v1/echo/hello%20world", "times=3", ""),
    "echo-post": ("POST", "/v1/echo", "", '{"text":"hi","times":"2"}'),
    "echo-count": ("GET", "/v1/count/5", "failCode=14", ""),
    # rentwave.fuzz.TranscodeFuzz: SearchRequest, every field kind
    "search-get-query-all": ("GET", "/fz/search/L1",
                             "pageSize=10&amount_minor=-9223372036854775808"
                             "&big_count=18446744073709551615"
                             "&small_count=4294967295&active=true&ratio=1e308"
                             "&weight=3.4e38&token=AAEC_w&color=GREEN&tags=a"
                             "&tags=b&ids=1&ids=2&colors=RED&colors=2"
                             "&price.min=1&filter.price.max=2"
                             "&start_time=2026-01-02T03:04:05.123%2B01:00"
                             "&ttl=3600.5s&update_mask=pageSize,filter.query"
                             "&max_results=7&include_hidden=false"
                             "&renamed=nick&user_id=u", ""),
    "search-query-errors": ("GET", "/fz/search:all",
                            "group_id=g&user_id=u&nickName=x&ratio=nan"
                            "&weight=1e39&start_time=yesterday&ttl=1h"
                            "&items.sku=s&labels.k=v&token=%%%", ""),
    "search-query-odd-encodings": ("GET", "/fz/search:all",
                                   "tags=%&tags=%4&tags=%%41&tags=+&tags=%2B"
                                   "&tags=%00&tags=%ff&=x&&tags", ""),
    "search-post-everything": ("POST", "/fz/search", "", EVERYTHING),
    "search-post-big-numbers": ("POST", "/fz/search", "",
                                '{"pageSize":1e10,"amountMinor":"9223372036854775808",'
                                '"ratio":1e308,"weight":1e39,"smallCount":-1,"bigCount":1.5}'),
    "search-post-duplicate-keys": ("POST", "/fz/search", "",
                                   '{"listingId":"a","listing_id":"b"}'),
    "search-patch-filter": ("PATCH", "/fz/search/L1", "page_size=3",
                            '{"price":{"min":"1","max":2},"query":"q"}'),
    "search-labels": ("PUT", "/fz/search/L1/labels", "",
                      '{"a":"b","":"empty"}'),
    "search-tags": ("POST", "/fz/search/L1/tags", "tags=c", '["x","y"]'),
    "search-items": ("POST", "/fz/search/L1/items", "",
                     '[{"sku":"s","quantity":3},{"bad":1}]'),
    "search-ttl": ("PUT", "/fz/search/L1/ttl", "", '"1.5s"'),
    "search-max": ("POST", "/fz/search/L1/max", "", '"12345678901234"'),
    "search-token": ("POST", "/fz/search/L1/token", "", '"AQID"'),
    "search-color": ("POST", "/fz/search/L1/color", "", "2"),
    "search-tree": ("POST", "/fz/search/L1/tree", "",
                    '{"name":"a","child":{"child":{"name":"c"}}}'),
    "search-tree-too-deep": ("POST", "/fz/search/L1/tree", "", NESTED_TREE),
    "search-tags-nested-arrays": ("POST", "/fz/search/L1/tags", "",
                                  NESTED_ARRAY),
    "search-by-sku": ("PUT", "/fz/search/L1/by-sku", "",
                      '{"s1":{"sku":"s1","quantity":1},"s2":{"nope":0}}'),
    "search-scalars": ("GET",
                       "/fz/scalars/-2147483648/9223372036854775807/"
                       "18446744073709551615/0/false/-0.0/inf/AA==/RED", "",
                       ""),
    "search-scalars-bad": ("GET",
                           "/fz/scalars/2147483648/0x10/-1/4294967296/2/1e999/"
                           "nan/%%%/9", "", ""),
    "search-oneof-path": ("GET", "/fz/users/u1/groups/g1", "", ""),
    "search-prices": ("GET", "/fz/prices/1/2", "", ""),
    "search-range-overflow": ("GET", "/fz/range/-1/99999999999999999999", "",
                              ""),
    "search-deep-verb": ("GET", "/fz/deep/x:peek", "tree.name=t", ""),
    "search-nicks": ("GET", "/fz/nicks/a%2Fb/names/%C3%A9", "", ""),
    "search-custom-files": ("FUZZ", "/fz/files/a/b/c", "", ""),
    "search-delete-multi": ("DELETE", "/fz/x/L1/y/z", "", ""),
    # Paths that read as templates, for PathTemplate::Parse.
    "template-variables": ("GET", "/v1/{name=shelves/*/items/*}:get", "", ""),
    "template-multi": ("GET", "/a/{b.c_d=x/**}", "", ""),
    "template-bad-nesting": ("GET", "/a/{b={c}}/**/d", "", ""),
    "template-verb-only": ("GET", "/:verb", "", ""),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (method, path, query, body) in SEEDS.items():
        data = "\0".join([method, path, query, body]).encode("utf-8")
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
