/* Event formatting: text timeline, JSON lines, Audacity labels (src/evfmt.c). */
#include <stdio.h>

#include "evfmt.h"
#include "hs.h"
#include "hs_test.h"

static void make_jm(hs_event *e)
{
    static const uint8_t oct[] = { 0xC1, 0x45, 0x13, 0x10, 0x2A };
    hs_event_init(e, HS_EV_V8_JM, HS_SRC_CALLER, 20000);   /* 2.5 s */
    e->start = 16000;
    hs_event_octets(e, oct, sizeof oct);
    hs_event_num(e, "level_dbm0", -13.25);
    hs_event_dec_str(e, "call_function", "data");
    hs_event_dec_str(e, "modulation", "V.34 duplex");
    hs_event_dec_str(e, "modulation", "V.32bis");
    hs_event_dec_bool(e, "lapm", 1);
}

static int text_line(void)
{
    hs_event e;
    char buf[HS_EVFMT_MAX];
    hs_event_init(&e, HS_EV_TX, HS_SRC_ANSWERER, 9872);
    hs_event_str(&e, "signal", "ANSam/");
    hs_evfmt_text(buf, sizeof buf, &e, HS_EVSRC_ENDPOINT);
    hs_check_str("tx line", buf, "  1.234 s  answerer  tx ANSam/\n");

    make_jm(&e);
    hs_evfmt_text(buf, sizeof buf, &e, HS_EVSRC_ENDPOINT);
    hs_check_str("jm line", buf,
                 "  2.500 s  caller    v8.jm level_dbm0=-13.25  C1 45 13 10 2A  data; V.34 duplex, "
                 "V.32bis; lapm=yes\n");

    hs_event_init(&e, HS_EV_TONE, 2, 800);
    hs_event_str(&e, "name", "ANSam");
    hs_evfmt_text(buf, sizeof buf, &e, HS_EVSRC_CHANNEL);
    hs_check_str("channel line", buf, "  0.100 s  ch2       tone ANSam\n");
    return 0;
}

static int json_line(void)
{
    hs_event e;
    char buf[HS_EVFMT_MAX];
    make_jm(&e);
    hs_evfmt_json(buf, sizeof buf, &e, HS_EVSRC_ENDPOINT);
    hs_check_str("jm json", buf,
                 "{\"t\":2.5,\"sample\":20000,\"t_start\":2,\"start\":16000,\"endpoint\":\"caller\","
                 "\"type\":\"v8.jm\",\"level_dbm0\":-13.25,\"fields\":{\"call_function\":\"data\","
                 "\"modulation\":[\"V.34 duplex\",\"V.32bis\"],\"lapm\":true},"
                 "\"octets\":\"C1 45 13 10 2A\"}\n");

    static const uint8_t bits[] = { 1, 0, 1, 1 };
    hs_event_init(&e, HS_EV_V34_INFO0A, 3, 8);
    hs_event_bits(&e, bits, 4);
    hs_event_int(&e, "n", -7);
    hs_event_bool(&e, "crc_ok", 0);
    hs_event_num(&e, "x", (double)NAN);
    hs_event_str(&e, "why", "a \"quoted\"\\ word\n");
    hs_evfmt_json(buf, sizeof buf, &e, HS_EVSRC_CHANNEL);
    hs_check_str("bits json", buf,
                 "{\"t\":0.001,\"sample\":8,\"t_start\":0.001,\"start\":8,\"channel\":3,"
                 "\"type\":\"v34.info0a\",\"n\":-7,\"crc_ok\":false,\"x\":null,"
                 "\"why\":\"a \\\"quoted\\\"\\\\ word\\n\",\"bits\":\"1011\"}\n");

    /* a tiny buffer truncates but stays terminated */
    char small[10];
    hs_evfmt_json(small, sizeof small, &e, HS_EVSRC_CHANNEL);
    hs_check_int("truncated length", (long long)strlen(small), 9);
    return 0;
}

static int labels_track(void)
{
    hs_labels *l = hs_labels_create(HS_EVSRC_ENDPOINT);
    hs_event e;
    hs_event_init(&e, HS_EV_TX, HS_SRC_ANSWERER, 1600);
    hs_event_str(&e, "signal", "ANSam/");
    hs_labels_add(l, &e);
    hs_event_init(&e, HS_EV_TX, HS_SRC_CALLER, 16000);
    hs_event_str(&e, "signal", "CM");
    hs_labels_add(l, &e);
    make_jm(&e);
    hs_labels_add(l, &e);
    hs_event_init(&e, HS_EV_TX, HS_SRC_ANSWERER, 18000);
    hs_event_str(&e, "signal", "JM");
    hs_labels_add(l, &e);
    hs_event_init(&e, HS_EV_TX, HS_SRC_ANSWERER, 24000);
    hs_event_str(&e, "signal", "silence");
    hs_labels_add(l, &e);
    hs_check_int("count", (long long)hs_labels_count(l), 5);

    char path[512];
    hs_test_tmp_path("evfmt_labels.txt", path, sizeof path);
    FILE *f = fopen(path, "w");
    hs_check_int("write", hs_labels_write(l, f, 40000), 0);
    fclose(f);
    hs_labels_destroy(l);

    char got[4096] = "";
    f = fopen(path, "r");
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    /* ANSam/ ends where JM starts (next tx of the answerer); CM runs to the end of the run;
     * the JM decode spans its start (2.0 s) to its recognition (2.5 s); silence is no label. */
    hs_check_str("label track", got,
                 "0.200000\t2.250000\tanswerer tx ANSam/\n"
                 "2.000000\t5.000000\tcaller tx CM\n"
                 "2.000000\t2.500000\tcaller v8.jm level_dbm0=-13.25  C1 45 13 10 2A  data; "
                 "V.34 duplex, V.32bis; lapm=yes\n"
                 "2.250000\t3.000000\tanswerer tx JM\n");
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(text_line),
    HS_CASE(json_line),
    HS_CASE(labels_track)
)
