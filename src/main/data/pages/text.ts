// The text written on the evaluation pages: capital words, pseudo-words, numbers and mixed
// letter–digit tokens, drawn from a seeded generator over a word list written for this module.
//
// Why a list of our own: the decoder's language model is built from a public English corpus; the
// pages' words are everyday English words, so any English model knows most of them (that is the
// realistic case, and the manifest says so), but the list, its frequencies and the line structure
// come from no corpus. Pseudo-words (consonant–vowel syllables) and mixed tokens (4B, Q3, ROOM 101)
// are there to check that a decoder keeps what no lexicon holds.
import type { Rng } from '../../nn/rng.ts'

/** Everyday English words, capitals only, 2–10 letters. Plenty of O and I beside other letters. */
export const PAGE_WORDS: readonly string[] = (
  'ABLE ABOUT ABOVE ACROSS AFTER AGAIN AGO AIR ALL ALMOST ALONG ALSO ALWAYS AN AND ANIMAL ANSWER ANY APPLE AREA ' +
  'ARM ARMY AROUND ART ASK AT AWAY BABY BACK BAD BAG BALL BANK BASE BE BEAR BEAUTY BED BEEN BEFORE BEGIN BEHIND ' +
  'BEST BETTER BIG BIRD BLACK BLOCK BLOOD BLUE BOARD BOAT BODY BOOK BORN BOTH BOTTOM BOX BOY BREAD BRIDGE BRING ' +
  'BROKEN BROWN BUILD BUS BUSY BUT BUY BY CALL CAME CAMP CAN CAPITAL CAR CARD CARE CARRY CASE CAT CELL CENTER ' +
  'CHAIR CHANCE CHANGE CHECK CHILD CHOOSE CIRCLE CITY CLASS CLEAN CLEAR CLOCK CLOSE CLOUD COAST COAT COLD COLOR ' +
  'COME COMMON COOK CORN CORNER COST COTTON COULD COUNT COUNTRY COURSE COVER COW CROWD CROSS CRY CUP DANCE DARK ' +
  'DAY DEAR DECIDE DEEP DESK DID DINNER DIRECT DO DOCTOR DOES DOG DONE DOOR DOUBLE DOWN DRAW DREAM DRESS DRINK ' +
  'DRIVE DROP DRY DURING EACH EAR EARLY EARTH EAST EASY EAT EDGE EGG EIGHT ELSE END ENERGY ENOUGH ENTER EVEN ' +
  'EVENING EVER EVERY EXAMPLE EYE FACE FACT FALL FAMILY FAR FARM FAST FATHER FEEL FEW FIELD FIGHT FIGURE FILL ' +
  'FINAL FIND FINE FINGER FINISH FIRE FIRST FISH FIVE FLOOR FLOWER FLY FOLLOW FOOD FOOT FOR FOREST FORM FOUND ' +
  'FOUR FREE FRESH FRIEND FROM FRONT FRUIT FULL GAME GARDEN GATE GAVE GET GIFT GIRL GIVE GLASS GO GOLD GONE GOOD ' +
  'GOT GRASS GREAT GREEN GROUND GROUP GROW GUESS HAIR HALF HAND HAPPY HARD HAS HAT HAVE HE HEAD HEAR HEART HEAT ' +
  'HEAVY HELP HER HERE HIGH HILL HIM HIS HISTORY HOLD HOLE HOME HOPE HORSE HOT HOTEL HOUR HOUSE HOW HUGE HUNDRED ' +
  'IDEA IF IMAGE IN INCH INDEX INK INSIDE INTO IRON IS ISLAND IT ITEM JOB JOIN JUMP JUST KEEP KEY KIND KING ' +
  'KITCHEN KNEW KNOW LAKE LAND LARGE LAST LATE LAUGH LAW LAY LEAD LEARN LEAVE LEFT LEG LESS LET LETTER LEVEL ' +
  'LIFE LIFT LIGHT LIKE LINE LION LIST LITTLE LIVE LONG LOOK LOST LOT LOUD LOVE LOW LUNCH MACHINE MADE MAIN MAKE ' +
  'MAN MANY MAP MARK MARKET MATTER MAY ME MEAN MEET MELON MEMORY METAL MIDDLE MIGHT MILE MILK MILLION MIND MINUTE ' +
  'MISS MODEL MOMENT MONEY MONTH MOON MORE MORNING MOST MOTHER MOTION MOUNTAIN MOUTH MOVE MUCH MUSIC MUST MY NAME ' +
  'NATION NEAR NEED NEVER NEW NEXT NIGHT NINE NO NOISE NONE NOON NOR NORTH NOSE NOT NOTE NOTHING NOTICE NOW ' +
  'NUMBER OBJECT OCEAN OF OFF OFFICE OFTEN OIL OLD ON ONCE ONE ONLY OPEN OPTION OR ORANGE ORDER OTHER OUR OUT ' +
  'OVER OWN OXYGEN PAGE PAINT PAIR PAPER PARK PART PARTY PASS PAST PATH PAY PEACE PEN PENCIL PEOPLE PERHAPS ' +
  'PERSON PHONE PICK PICTURE PIECE PILOT PLACE PLAIN PLAN PLANT PLATE PLAY POCKET POEM POINT POLICE POOL POOR ' +
  'PORT POSITION POST POTATO POUND POWER PRESS PRICE PRINT PROBLEM PULL PUSH PUT QUICK QUIET QUITE QUIZ RADIO ' +
  'RAIN RAISE RAN REACH READ READY REAL RECORD RED REGION REST RICE RICH RIDE RIGHT RING RIVER ROAD ROBOT ROCK ' +
  'ROOF ROOM ROOT ROPE ROSE ROUND ROW RULE RUN SAFE SAID SALT SAME SAND SAT SAVE SAW SAY SCHOOL SCIENCE SEA ' +
  'SEASON SEAT SECOND SEE SEED SEEM SELL SEND SENSE SEVEN SHAPE SHARE SHE SHEET SHIP SHOE SHOP SHORE SHORT SHOW ' +
  'SIDE SIGN SILVER SIMPLE SING SISTER SIT SIX SIZE SKY SLEEP SLOW SMALL SMILE SNOW SO SOFT SOIL SOLDIER SOLID ' +
  'SOME SON SONG SOON SORT SOUND SOUTH SPACE SPEAK SPEED SPELL SPOON SPORT SPRING SQUARE STAND STAR START STATION ' +
  'STAY STEEL STEP STICK STILL STONE STOOD STOP STORE STORM STORY STREET STRONG STUDY SUGAR SUMMER SUN SUPPLY ' +
  'SURE SWIM TABLE TAIL TAKE TALK TALL TEA TEACH TEAM TELL TEN TEST THAN THAT THE THEIR THEM THEN THERE THESE ' +
  'THEY THICK THIN THING THINK THIRD THIS THOSE THOUGH THREE THROUGH TICKET TIE TIME TINY TO TODAY TOGETHER TOLD ' +
  'TOMATO TONE TOO TOOK TOOL TOP TOTAL TOUCH TOWARD TOWN TRACK TRADE TRAIN TRAVEL TREE TRIP TRUCK TRUE TRY TUBE ' +
  'TURN TWO UNDER UNIT UNTIL UP UPON US USE USUAL VALLEY VALUE VERY VIEW VILLAGE VISIT VOICE VOTE WAIT WALK WALL ' +
  'WANT WARM WAS WASH WATCH WATER WAVE WAY WE WEAR WEATHER WEEK WEIGHT WELL WENT WERE WEST WHAT WHEEL WHEN WHERE ' +
  'WHICH WHILE WHITE WHO WHOLE WHY WIDE WIFE WILD WILL WIN WIND WINDOW WINTER WIRE WISH WITH WOMAN WOOD WORD ' +
  'WORK WORLD WOULD WRITE WRONG YARD YEAR YELLOW YES YET YOU YOUNG YOUR ZERO ZONE ZOO'
).split(' ')

const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXZ'
const VOWELS = 'AEIOUY'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'

/** Letter–digit shapes of mixed tokens (L a letter, D a digit): 4B, Q3, A4, B12, 3D, X7Y, R2D2, 2ND … */
const MIXED_PATTERNS = ['DL', 'LD', 'LD', 'LDD', 'DDL', 'LLD', 'LDDD', 'DLD', 'LDL', 'DDDL', 'LLDD', 'LDLD', 'DLL']
/** Words that are followed by a number: ROOM 101, GATE 4B. */
const LABEL_WORDS = ['ROOM', 'GATE', 'UNIT', 'PAGE', 'ROW', 'BOX', 'LINE', 'STEP', 'ITEM', 'TRACK', 'BUS', 'SEAT']

export type TokenKind = 'word' | 'pseudo' | 'number' | 'mixed'

export interface TextMix {
  word: number
  pseudo: number
  number: number
  mixed: number
}

/** Ordinary pages: mostly words, a few of everything else. */
export const ORDINARY_MIX: TextMix = { word: 0.7, pseudo: 0.1, number: 0.1, mixed: 0.1 }
/** The `mixed` condition: numbers and letter–digit tokens beside words. */
export const MIXED_MIX: TextMix = { word: 0.35, pseudo: 0.05, number: 0.25, mixed: 0.35 }

function pick(rng: Rng, s: string | readonly string[]): string {
  return s[rng.int(s.length)]
}

export function pseudoWord(rng: Rng): string {
  const syllables = 1 + rng.int(3)
  let w = ''
  for (let i = 0; i < syllables; i++) w += pick(rng, CONSONANTS) + pick(rng, VOWELS)
  if (rng.uniform() < 0.5) w += pick(rng, CONSONANTS)
  return w
}

export function numberToken(rng: Rng): string {
  const r = rng.uniform()
  if (r < 0.2) return String(1900 + rng.int(130)) // a year
  const len = 1 + rng.int(5)
  let s = ''
  for (let i = 0; i < len; i++) s += pick(rng, DIGITS)
  return s
}

export function mixedToken(rng: Rng): string {
  const pattern = pick(rng, MIXED_PATTERNS)
  let s = ''
  for (const p of pattern) s += p === 'L' ? pick(rng, LETTERS) : pick(rng, DIGITS)
  return s
}

/** One token; a label word with its number comes back as two tokens (ROOM 101). */
export function drawTokens(rng: Rng, mix: TextMix): string[] {
  const total = mix.word + mix.pseudo + mix.number + mix.mixed
  let r = rng.uniform() * total
  if ((r -= mix.word) < 0) return [pick(rng, PAGE_WORDS)]
  if ((r -= mix.pseudo) < 0) return [pseudoWord(rng)]
  if ((r -= mix.number) < 0) return [numberToken(rng)]
  if (rng.uniform() < 0.3) return [pick(rng, LABEL_WORDS), rng.uniform() < 0.5 ? numberToken(rng) : mixedToken(rng)]
  return [mixedToken(rng)]
}
