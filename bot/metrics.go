package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"manualbot/qa"
)

// metrics are the bot's Prometheus series, on a registry of its own: no global state, so
// tests and several bots in one process do not collide.
type metrics struct {
	reg                *prometheus.Registry
	events             *prometheus.CounterVec
	questions          prometheus.Counter
	answerLatency      prometheus.Histogram
	placeholderLatency prometheus.Histogram
	ackLatency         prometheus.Histogram
	tokensPerSecond    prometheus.Histogram
	retrievalHits      prometheus.Histogram
	errors             *prometheus.CounterVec
	adapterInUse       *prometheus.GaugeVec
	feedback           *prometheus.CounterVec
	inflight           prometheus.Gauge
	queued             prometheus.Gauge
}

func newMetrics() *metrics {
	latencyBuckets := []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "manualbot_slack_events_total", Help: "Slack events received, by type and what was done with them.",
		}, []string{"type", "outcome"}),
		questions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "manualbot_questions_total", Help: "Questions taken for answering.",
		}),
		answerLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "manualbot_answer_seconds", Help: "Time from a question's arrival to its final answer in Slack.", Buckets: latencyBuckets,
		}),
		placeholderLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "manualbot_placeholder_seconds", Help: "Time from a question's arrival to its placeholder being posted.", Buckets: latencyBuckets,
		}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "manualbot_ack_seconds", Help: "Time to acknowledge an HTTP request from Slack (Slack allows 3 s).", Buckets: latencyBuckets,
		}),
		tokensPerSecond: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "manualbot_generation_tokens_per_second", Help: "Generation speed of each answer.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		retrievalHits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "manualbot_retrieval_hits", Help: "Passages cited per answer (0: nothing relevant found).",
			Buckets: prometheus.LinearBuckets(0, 1, 11),
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "manualbot_errors_total", Help: "Errors by kind (answer, slack_api, admin, ingest, feedback, signature, rate_limited).",
		}, []string{"kind"}),
		adapterInUse: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "manualbot_adapter_in_use", Help: "1 for each adapter merged into the model that answers now.",
		}, []string{"adapter"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "manualbot_feedback_total", Help: "Feedback button clicks by rating.",
		}, []string{"rating"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "manualbot_answers_in_flight", Help: "Answers being generated now.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "manualbot_questions_queued", Help: "Questions waiting for their turn.",
		}),
	}
	m.reg.MustRegister(m.events, m.questions, m.answerLatency, m.placeholderLatency, m.ackLatency,
		m.tokensPerSecond, m.retrievalHits, m.errors, m.adapterInUse, m.feedback, m.inflight, m.queued,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observeAnswer records what a finished answer says about the pipeline.
func (m *metrics) observeAnswer(ans *qa.Answer) {
	m.retrievalHits.Observe(float64(len(ans.Citations)))
	if g := ans.Timings.Generation; g > 0 && ans.Timings.GeneratedTokens > 0 {
		m.tokensPerSecond.Observe(float64(ans.Timings.GeneratedTokens) / g.Seconds())
	}
}

// setAdapters makes the adapter gauge name exactly the adapters in use.
func (m *metrics) setAdapters(names []string) {
	m.adapterInUse.Reset()
	for _, n := range names {
		m.adapterInUse.WithLabelValues(n).Set(1)
	}
}

// healthHandler serves /healthz (200 while connected to Slack and serving, 503 with the
// reason otherwise) and /metrics.
func (m *metrics) healthHandler(health func() (bool, string)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if ok, why := health(); !ok {
			http.Error(w, why, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}
