// A plain C++ program on llama.cpp: the ceiling our engine is measured against. Same llama.cpp
// (the static libraries llama-cpp-sys-2 built for gguf-embed), same GGUF, same threads and the same
// batching as gguf-embed's engine (pack inputs sorted by length into batches of at most 512 tokens).
//
//   embed_bench MODEL TEXTS.jsonl THREADS batch|single   (BERT-family encoders: llama_encode)
// TEXTS.jsonl: one JSON string per line (only \n, \t, \", \\ and \uXXXX escapes are decoded).
// Prints one JSON object: texts, tokens, seconds, and per-text latencies' p50/p95 in single mode.
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

static std::string decode_json_string(const std::string & line) {
    std::string out;
    size_t i = line.find('"');
    if (i == std::string::npos) return out;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
        char c = line[i];
        if (c != '\\') { out += c; continue; }
        char e = line[++i];
        switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                unsigned cp = std::stoul(line.substr(i + 1, 4), nullptr, 16);
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && line.compare(i + 1, 2, "\\u") == 0) {
                    unsigned lo = std::stoul(line.substr(i + 3, 4), nullptr, 16);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
                if (cp < 0x80) out += (char) cp;
                else if (cp < 0x800) { out += (char) (0xC0 | (cp >> 6)); out += (char) (0x80 | (cp & 0x3F)); }
                else if (cp < 0x10000) { out += (char) (0xE0 | (cp >> 12)); out += (char) (0x80 | ((cp >> 6) & 0x3F)); out += (char) (0x80 | (cp & 0x3F)); }
                else { out += (char) (0xF0 | (cp >> 18)); out += (char) (0x80 | ((cp >> 12) & 0x3F)); out += (char) (0x80 | ((cp >> 6) & 0x3F)); out += (char) (0x80 | (cp & 0x3F)); }
                break;
            }
            default: out += e;
        }
    }
    return out;
}

static void quiet(ggml_log_level, const char *, void *) {}

int main(int argc, char ** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL TEXTS.jsonl THREADS batch|single\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[3]);
    const bool single = std::strcmp(argv[4], "single") == 0;
    const int n_batch = 512;

    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_embd = llama_model_n_embd(model);

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_batch;
    cp.n_batch = n_batch;
    cp.n_ubatch = n_batch;
    cp.n_seq_max = 256;
    cp.kv_unified = true;
    cp.embeddings = true;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create a context\n"); return 1; }

    std::vector<std::string> texts;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) if (!line.empty()) texts.push_back(decode_json_string(line));

    // Tokenise (timed: gguf-embed tokenises inside its measured calls too).
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<llama_token>> toks(texts.size());
    size_t total_tokens = 0;
    std::vector<double> latencies;
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    std::vector<float> sink(n_embd);

    auto run = [&](const std::vector<size_t> & group) {
        llama_memory_clear(llama_get_memory(ctx), true);
        batch.n_tokens = 0;
        for (size_t s = 0; s < group.size(); ++s) {
            const auto & t = toks[group[s]];
            for (size_t p = 0; p < t.size(); ++p) {
                int i = batch.n_tokens++;
                batch.token[i] = t[p];
                batch.pos[i] = (llama_pos) p;
                batch.n_seq_id[i] = 1;
                batch.seq_id[i][0] = (llama_seq_id) s;
                batch.logits[i] = 1;
            }
        }
        if (llama_encode(ctx, batch) != 0) { fprintf(stderr, "encode failed\n"); std::exit(1); }
        for (size_t s = 0; s < group.size(); ++s) {
            const float * e = llama_get_embeddings_seq(ctx, (llama_seq_id) s);
            double norm = 0;
            for (int j = 0; j < n_embd; ++j) norm += (double) e[j] * e[j];
            norm = std::sqrt(norm);
            for (int j = 0; j < n_embd; ++j) sink[j] = (float) (e[j] / norm);
        }
    };

    auto tokenize = [&](size_t i) {
        const std::string & s = texts[i];
        std::vector<llama_token> t(s.size() + 8);
        int n = llama_tokenize(vocab, s.data(), (int) s.size(), t.data(), (int) t.size(), true, false);
        if (n < 0) { t.resize(-n); n = llama_tokenize(vocab, s.data(), (int) s.size(), t.data(), (int) t.size(), true, false); }
        t.resize(std::min(n, n_batch));
        toks[i] = std::move(t);
        total_tokens += toks[i].size();
    };

    if (single) {
        for (size_t i = 0; i < texts.size(); ++i) {
            auto a = std::chrono::steady_clock::now();
            tokenize(i);
            run({i});
            latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
        }
    } else {
        for (size_t i = 0; i < texts.size(); ++i) tokenize(i);
        std::vector<size_t> order(texts.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return toks[a].size() > toks[b].size(); });
        std::vector<size_t> group;
        size_t used = 0;
        for (size_t i : order) {
            if (!group.empty() && (used + toks[i].size() > (size_t) n_batch || group.size() == 256)) {
                run(group);
                group.clear();
                used = 0;
            }
            group.push_back(i);
            used += toks[i].size();
        }
        if (!group.empty()) run(group);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, (size_t) (p * latencies.size()))]; };
    printf("{\"texts\": %zu, \"tokens\": %zu, \"seconds\": %.4f, \"p50_ms\": %.3f, \"p95_ms\": %.3f}\n",
           texts.size(), total_tokens, seconds, pct(0.5), pct(0.95));
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
