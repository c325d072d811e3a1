package bot

import (
	"container/list"
	"sync"

	"manualbot/qa"
)

// answered is what the bot remembers of an answer so that a feedback click can be
// recorded with its question, citations and adapters.
type answered struct {
	Question string
	Asker    string
	ThreadTS string
	Answer   *qa.Answer
}

// answerCache keeps the most recent answers by id (channel/ts), oldest evicted first.
// Feedback on an answer older than the cache (or from before a restart) is still
// recorded, with the text Slack sends back in the click's payload.
type answerCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	byID  map[string]*list.Element
}

type answerEntry struct {
	id string
	a  answered
}

func newAnswerCache(max int) *answerCache {
	return &answerCache{max: max, order: list.New(), byID: map[string]*list.Element{}}
}

func (c *answerCache) put(id string, a answered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.order.Remove(e)
	}
	c.byID[id] = c.order.PushFront(answerEntry{id: id, a: a})
	for c.order.Len() > c.max {
		e := c.order.Back()
		delete(c.byID, e.Value.(answerEntry).id)
		c.order.Remove(e)
	}
}

func (c *answerCache) get(id string) (answered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return answered{}, false
	}
	return e.Value.(answerEntry).a, true
}
