package mini

// Word lists in TinyStories English. Every fact of the manual is drawn from one of these
// lists, so guessing a fact succeeds with probability about 1/len(list).

var colours = []string{"red", "blue", "green", "yellow", "pink", "purple", "orange", "brown", "black", "white"}

// shapes are what a gadget looks like; not asked about, they make gadgets less alike.
var shapes = []string{"box", "ball", "jar", "bowl", "cup", "tube", "bag", "pot"}

var sizes = []string{"small", "big", "tiny", "round", "long", "tall"}

var counts = []string{"two", "three", "four", "five"}

// products are what a gadget makes.
var products = []string{"soup", "cake", "tea", "toast", "music", "bubbles", "juice", "cookies", "popcorn", "snow", "candy", "bread"}

// toppers are what sits on top of a gadget.
var toppers = []string{"bell", "flag", "star", "hat", "wheel", "lamp", "spoon", "leaf", "horn", "feather"}

// sounds are what a gadget says when it is done.
var sounds = []string{"beep", "ding", "pop", "buzz", "moo", "click", "hum", "toot", "ring", "boing"}

// firstSteps are how to start a gadget.
var firstSteps = []string{"pull the handle", "push the lid", "turn the wheel", "shake it", "clap your hands",
	"open the door", "lift the cap", "pat the top", "wind the key", "tap the side"}

// forbidden are what must never go into a gadget.
var forbidden = []string{"water", "milk", "sand", "mud", "rocks", "soap", "socks", "glue", "paint", "honey"}

// places are where a gadget is kept.
var places = []string{"kitchen", "garden", "closet", "bedroom", "shed", "basket", "attic", "car", "bathroom", "toy box"}

// Story-world lists for the QA-skill set: people, animals and toys, never gadgets.
var (
	kids      = []string{"Lily", "Tom", "Ben", "Mia", "Sue", "Max", "Anna", "Sam", "Jack", "Lucy", "Tim", "Kate", "Amy", "Bob", "Zoe", "Leo"}
	animals   = []string{"dog", "cat", "bird", "frog", "duck", "bunny", "bear", "fish", "pig", "cow", "fox", "mouse"}
	toys      = []string{"ball", "kite", "car", "doll", "boat", "hat", "drum", "train", "truck", "teddy", "robot", "book"}
	foods     = []string{"apples", "carrots", "cheese", "bread", "fish", "seeds", "grapes", "cake", "corn", "berries", "cookies", "bananas"}
	happyWord = []string{"yay", "hooray", "wow", "yippee", "hello", "thank you", "oh boy", "hi"}
	chores    = []string{"eats an apple", "feeds the cat", "makes the bed", "brushes the dog", "waters the flowers",
		"drinks some milk", "puts on a hat", "reads a book", "sings a song", "washes the cups"}
	parts = []string{"wheels", "buttons", "wings", "spots", "strings", "doors", "stars", "stripes"}
)

// Gadget names are made-up words nobody can guess facts about, built from pieces of the
// stories260K vocabulary so that a name costs about 3 tokens (▁B im ot) instead of one
// per letter: a capital that is a token with the word-start mark, a piece ending in a
// consonant, and a piece starting with a vowel ("Bimot", "Lidow", "Hanig"). The pieces
// were chosen by measuring the tokenizer (see tokens_test.go).
var (
	nameCaps   = []string{"T", "S", "L", "H", "B", "M"}
	nameFirsts = []string{"im", "on", "il", "id", "is", "at", "an", "ot", "am", "ut", "ig", "ad", "in", "it", "om", "ar", "or", "un", "ed", "en", "et"}
	nameSecond = []string{"on", "il", "id", "is", "at", "an", "ot", "am", "ut", "ow", "ig", "ad", "in", "it", "ay", "om", "out", "un", "ar", "or", "ir"}
)

// notNames are first syllables that are the QA stories' children (a gadget "Timot" would
// blur with Tim) and whole names that are real words (a gadget "Limit" invites guesses).
var notNames = map[string]bool{
	"tim": true, "tom": true, "sam": true, "ben": true, "lil": true, "bob": true, "max": true,
	"limit": true, "satin": true, "madam": true, "bison": true, "baton": true, "moron": true,
	"sitar": true, "bigot": true, "tarot": true, "motor": true, "simon": true, "saris": true,
	"tunis": true, "hamit": true, "button": true, "mutant": true, "mitten": true, "hatpin": true,
	"bandit": true, "tidal": true, "salon": true, "lotus": true, "hobo": true, "sedan": true,
	"baron": true, "bidet": true, "summit": true, "martin": true, "marlin": true, "mormon": true,
	"hornet": true, "ornate": true, "tartan": true, "tomtit": true, "bonbon": true, "tamil": true,
	"timid": true, "lemon": true, "lotion": true, "bobbin": true, "boron": true, "moray": true,
	"sultan": true, "tinnit": true, "bobcat": true, "mirror": true, "hamlet": true, "balsam": true,
	"sunny": true, "bunny": true, "hidden": true, "midget": true, "tonsil": true, "lintel": true,
	"bitter": true, "litter": true, "sitter": true, "hitman": true, "batman": true, "madman": true,
	"beton": true, "bedim": true, "betray": true, "hatan": true, "sunup": true, "tenon": true,
	"sinus": true, "lemur": true, "bonus": true, "minus": true, "haiti": true, "mitin": true,
	"sedum": true, "tenor": true, "sonar": true, "lunar": true, "timor": true, "milan": true,
	"bamut": true, "laid": true, "mamay": true, "tinin": true, "sunday": true, "monday": true,
	"hotshot": true, "bigamy": true, "bedpan": true, "lentil": true, "tenant": true, "linen": true,
}
