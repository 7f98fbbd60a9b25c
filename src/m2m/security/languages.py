"""Rules for attacks written in other languages, as data (see ``patterns`` for the rule format).

Two families that carry most attacks in every language, each written by hand per language from
its grammar, not from a data set: overriding the instructions ("ignore the previous
instructions", noun first in the languages that put the verb last: Japanese, Korean, Hindi,
Bengali, Turkish) and asking for the model's secret ("what is your password / secret key").
Patterns match the folded text (``normalize.fold``): Latin-script languages are lowercase ASCII
without accents there (Vietnamese "bỏ qua" is "bo qua", Turkish "şifreniz" is "sifreniz");
other scripts keep their letters, NFKC-normalised (Thai "ำ" is "ํา").

Both families require the request shape, not just the word: "I forgot my email password" or
"ignore the typo in my last message" in any of these languages stays quiet.
"""

# Patterns are data: long regex lines read better unbroken.
# ruff: noqa: E501

from __future__ import annotations

from m2m.security.patterns import PROMPT_INJECTION as P
from m2m.security.patterns import Rule

__all__ = ["MULTILINGUAL_RULES"]


def _w(spec: str) -> tuple[str, ...]:
    return tuple(spec.split())


# fmt: off
MULTILINGUAL_RULES: tuple[Rule, ...] = (
    # ---- override, verb first (Romance, Germanic, Slavic, Greek, Austronesian, Vietnamese, Thai) --
    Rule(P, "instruction_override", 0.88,
         r"\b(?:ignore[rsz]?|ignorez|oublie[rsz]?|oubliez|ne tenez pas compte|ne tiens pas compte|fais abstraction)\b.{0,40}?\b(?:instructions?|consignes?|regles|directives|indications|ordres|tout ce qu)",
         _w("ignore ignorer ignores ignorez oublie oublier oublies oubliez tenez tiens abstraction"), group="override", lead=False, back=12, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:ignora[rd]?|ignore|ignoren|olvida[rd]?|olvidate|olvide|olviden|no hagas caso|haz caso omiso|omite|descarta)\b.{0,40}?\b(?:instrucciones|indicaciones|reglas|directrices|ordenes|normas|todo lo que)",
         _w("ignora ignorar ignorad ignore ignoren olvida olvidar olvidad olvidate olvide olviden hagas caso omite descarta"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:ignore|ignora|ignorar|ignorem|esqueca|esquece|esquecer|esquecam|desconsidere|desconsidera|despreze)\b.{0,40}?\b(?:instrucoes|orientacoes|regras|diretrizes|ordens|indicacoes|tudo o que|tudo que)",
         _w("ignore ignora ignorar ignorem esqueca esquece esquecer esquecam desconsidere desconsidera despreze"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:ignora|ignorate|ignori|dimentica|dimenticate|dimentichi|trascura|non considerare|lascia perdere)\b.{0,40}?\b(?:istruzioni|indicazioni|regole|direttive|ordini|tutto cio che|tutto quello che)",
         _w("ignora ignorate ignori dimentica dimenticate dimentichi trascura considerare perdere"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:ignorier\w{0,3}|vergiss|vergessen sie|vergesst|missacht\w{0,3}|beachte nicht|beachten sie nicht)\b.{0,40}?\b(?:anweisungen|instruktionen|befehle|regeln|anordnungen|vorgaben|richtlinien|alles,? was)",
         _w("ignoriere ignorier ignorieren ignoriert vergiss vergessen vergesst missachte missachten beachte beachten"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:abaikan|lupakan|acuhkan|jangan hiraukan|jangan pedulikan)\b.{0,40}?\b(?:instruksi|petunjuk|perintah|aturan|arahan|semua yang)",
         _w("abaikan lupakan acuhkan hiraukan pedulikan"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:kalimutan|huwag pansinin|balewalain|ipagwalang-bahala|huwag sundin)\b.{0,40}?\b(?:tagubilin|instruksyon|utos|panuntunan|patakaran|sinabi)",
         _w("kalimutan pansinin balewalain ipagwalang bahala sundin"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:bo qua|quen|phot lo|khong can quan tam|dung quan tam|lo di)\b.{0,40}?\b(?:huong dan|chi dan|chi thi|quy tac|menh lenh|moi thu|tat ca nhung gi)",
         _w("bo qua quen phot quan dung lo"), group="override", lead=False, back=8, fwd=90),
    Rule(P, "instruction_override", 0.88,
         "(?:игнорир\\w{0,4}|проигнорир\\w{0,4}|забудь\\w{0,2}|забудьте|не обращай\\w{0,2} внимания|пренебреги\\w{0,2}|ігнору\\w{0,4}|забудь)[^.!?]{0,40}?(?:инструкци|указани|правил|команд|вс[её],? что|інструкці|вказівк)",
         ("игнор", "проигнор", "забуд", "не обраща", "пренебре", "ігнор"), group="override", lead=False, back=2, fwd=100),
    Rule(P, "instruction_override", 0.88,
         "(?:αγνο\\w{0,7}|ξεχ\\w{0,6})[^.!?;]{0,40}?(?:οδηγ|κανόν|κανον|εντολ)",
         ("αγνο", "ξεχ"), group="override", lead=False, back=16, fwd=90),
    Rule(P, "instruction_override", 0.88,
         "(?:تجاهل|تجاهلي|انس|انسى|انسَ|لا تلتفت|تغاضى عن|تغاض عن|أهمل|اهمل)[^.!?؟]{0,40}?(?:التعليمات|تعليمات|الأوامر|الاوامر|أوامر|القواعد|قواعد|الإرشادات|الارشادات|كل ما)",
         ("تجاهل", "انس", "لا تلتفت", "تغاض", "أهمل", "اهمل"), group="override", lead=False, back=2, fwd=100),
    Rule(P, "instruction_override", 0.88,
         "(?:忽略|无视|忘记|忘掉|不要理会|忽视|不理会|無視)[^。！？!?]{0,20}?(?:指示|指令|说明|規則|规则|命令|要求|设定|提示|之前的一切|所有内容)",
         ("忽略", "无视", "忘记", "忘掉", "理会", "忽视", "理會", "無視"), group="override", lead=False, back=2, fwd=40),
    Rule(P, "instruction_override", 0.88,
         "(?:ไม่ต้องสนใจ|อย่าไปสนใจ|อย่าสนใจ|เพิกเฉย|ลืม)[^?]{0,30}?(?:คําแนะนํา|คําสั่ง|กฎ|ข้อกําหนด|ที่บอก)",
         ("สนใจ", "เพิกเฉย", "ลืม"), group="override", lead=False, back=16, fwd=90),
    # ---- override, noun first (Japanese, Korean, Hindi, Bengali, Turkish) ---------------------------
    Rule(P, "instruction_override", 0.88,
         "(?:指示|命令|ルール|規則|指令|言われたこと|設定)[^。！？!?]{0,20}?(?:無視|忘れ)",
         ("無視", "忘れ"), group="override", lead=False, back=40, fwd=4),
    Rule(P, "instruction_override", 0.88,
         "(?:지시|명령|규칙|지침|지示|안내)[^.!?]{0,30}?(?:무시|잊어|잊으)",
         ("무시", "잊어", "잊으"), group="override", lead=False, back=50, fwd=4),
    Rule(P, "instruction_override", 0.88,
         "(?:निर्देश|नियम|आदेश|बताया गया|कहा गया)[^।?!]{0,40}?(?:अनदेखा|अनदेखी|नज़रअंदाज़|नजरअंदाज|भूल जा|उपेक्षा)",
         ("अनदेख", "नज़रअंदाज़", "नजरअंदाज", "भूल जा", "उपेक्षा"), group="override", lead=False, back=70, fwd=4),
    Rule(P, "instruction_override", 0.88,
         "(?:নির্দেশ|নিয়ম|আদেশ|যা বলা হয়েছে)[^।?!]{0,40}?(?:উপেক্ষা|ভুলে যান|ভুলে যাও|অগ্রাহ্য)",
         ("উপেক্ষা", "ভুলে যা", "অগ্রাহ্য"), group="override", lead=False, back=70, fwd=4),
    Rule(P, "instruction_override", 0.88,
         r"\b(?:talimat\w{0,6}|yonerge\w{0,6}|kural\w{0,6}|komut\w{0,6}|soylenen\w{0,6}|soylenenleri)\b.{0,30}?\b(?:yok say|unut|gormezden gel|dikkate alma|umursama)",
         _w("yok unut unutun unutmak gormezden dikkate umursama umursamayin"), group="override", lead=False, back=60, fwd=4),
    # ---- the model's secret -------------------------------------------------------------------------
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:quel(?:le)? est|donne|donnez|dis|dites|partage|partagez|revele|revelez|communique|ecris|epelle)\b.{0,30}?\b(?:ton|ta|votre|le|la) (?:mot de passe|cle secrete|code secret|phrase secrete)\b(?! (?:de mon|de ma|du wifi|de l'ordinateur))",
         _w("quel quelle donne donnez dis dites partage partagez revele revelez communique ecris epelle"), group="secret", lead=False, back=2, fwd=70),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:cual es|dame|dime|comparte|compartan|revela|di|escribe|deletrea|dinos)\b.{0,30}?\b(?:tu|su|la) (?:contrasena|clave secreta|codigo secreto|palabra secreta)\b(?! (?:de mi|del wifi))",
         _w("cual dame dime comparte compartan revela di escribe deletrea dinos"), group="secret", lead=False, back=2, fwd=70),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:qual e|me de|de-me|diga|me diga|compartilhe|partilhe|revele|escreva|conte)\b.{0,30}?\b(?:sua|tua|a|seu|teu) (?:senha|palavra-passe|palavra passe|chave secreta|codigo secreto)\b(?! (?:do meu|da minha|do wifi))",
         _w("qual de me diga compartilhe partilhe revele escreva conte"), group="secret", lead=False, back=2, fwd=70),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:qual e|dammi|dimmi|condividi|rivela|scrivi|mi dai|mi dici|puoi dirmi)\b.{0,30}?\b(?:la tua|la sua|tua|sua|la) (?:password|chiave segreta|parola d'ordine|parola segreta|codice segreto)\b(?! (?:del mio|della mia|del wifi))",
         _w("qual dammi dimmi condividi rivela scrivi dai dici dirmi"), group="secret", lead=False, back=2, fwd=70),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:was ist|wie lautet|gib mir|nenne|sag mir|verrate|teile|schreib)\b.{0,30}?\b(?:dein|deine|ihr|ihre|das|den) (?:passwort|kennwort|geheimen? (?:schlussel|code)|geheimcode|geheimwort)\b(?! (?:meines|meiner|fur mein|vom wlan))",
         _w("was wie gib nenne sag verrate teile schreib"), group="secret", lead=False, back=2, fwd=70),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:kata sandi|kata sandimu|sandi|kunci rahasia|kode rahasia|password) ?(?:anda|kamu|mu)\b|\bapa kata sandi(?:nya)?\b",
         _w("sandi sandimu rahasia password apa"), group="secret", lead=False, back=20, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:iyong|inyong) (?:password|lihim na susi|sikretong susi|lihim na password)|\b(?:password|susi) mo\b",
         _w("iyong inyong password susi"), group="secret", lead=False, back=20, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:mat khau|khoa bi mat|chia khoa bi mat|ma bi mat) (?:cua (?:ban|anh|chi|em|may)|la gi)\b",
         _w("mat khoa chia ma"), group="secret", lead=False, back=20, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         r"\b(?:sifreniz|sifren|parolaniz|parolan|gizli anahtariniz|gizli anahtarin|gizli kodunuz)\b|\bsifre (?:nedir|ne)\b",
         _w("sifreniz sifren parolaniz parolan anahtariniz anahtarin kodunuz sifre"), group="secret", lead=False, back=20, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         "(?:тво[йеёи]|ваш[еи]?|твоего|вашего) (?:секретн\\w{0,3} )?(?:пароль|парол[яю]|ключ|код)|(?:какой|каков|скажи|назови|сообщи|дай)[^.!?]{0,20}?(?:пароль|секретный ключ)",
         ("пароль", "парол", "ключ", "код"), group="secret", lead=False, back=40, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         "(?:τον κωδικό|το συνθηματικό|τον μυστικό κωδικό|το κλειδί) (?:σου|σας)",
         ("κωδικό", "συνθηματικό", "κλειδί"), group="secret", lead=False, back=30, fwd=20),
    Rule(P, "secret_extraction", 0.85,
         "(?:كلمة المرور|كلمة السر|المفتاح السري|الرمز السري) الخاص(?:ة)? بك|كلمة مرورك|كلمة سرك|مفتاحك السري|ما هي كلمة (?:المرور|السر)",
         ("كلمة", "مفتاحك", "المفتاح", "الرمز"), group="secret", lead=False, back=20, fwd=30),
    Rule(P, "secret_extraction", 0.85,
         "(?:你的|您的|你们的)(?:秘密)?(?:密码|密钥|秘钥|口令)|(?:密码|密钥|口令)是什么|秘密钥|秘密的钥匙",
         ("密码", "密钥", "秘钥", "口令", "钥"), group="secret", lead=False, back=10, fwd=10),
    Rule(P, "secret_extraction", 0.85,
         "(?:あなたの|君の|お前の)(?:秘密の)?(?:パスワード|鍵|合言葉)|パスワードは(?:何|なに)|パスワードを教え|秘密の鍵",
         ("パスワード", "鍵", "合言葉"), group="secret", lead=False, back=10, fwd=10),
    Rule(P, "secret_extraction", 0.85,
         "(?:당신의|너의|네|당신) (?:비밀번호|암호|비밀 키|비밀키)|비밀번호(?:가|는) (?:뭐|무엇)|비밀번호를 (?:알려|공유|말해)",
         ("비밀번호", "암호", "비밀"), group="secret", lead=False, back=10, fwd=20),
    Rule(P, "secret_extraction", 0.85,
         "(?:आपका|तुम्हारा|आपकी|तेरा|अपना) (?:गुप्त )?(?:पासवर्ड|कुंजी|पासकोड)|पासवर्ड क्या है|गुप्त कुंजी",
         ("पासवर्ड", "कुंजी", "पासकोड"), group="secret", lead=False, back=30, fwd=20),
    Rule(P, "secret_extraction", 0.85,
         "(?:আপনার|তোমার|তোর) (?:গোপন )?(?:পাসওয়ার্ড|চাবি|কী)|গোপন চাবি|পাসওয়ার্ড কি",
         ("পাসওয়ার্ড", "চাবি", "গোপন"), group="secret", lead=False, back=30, fwd=20),
    Rule(P, "secret_extraction", 0.85,
         "(?:รหัสผ่าน|รหัสลับ|กุญแจลับ)ของคุณ|กุญแจลับ|รหัสผ่านคืออะไร",
         ("รหัส", "กุญแจ"), group="secret", lead=False, back=10, fwd=20),
    # ---- ignore what came before, and repeat or show what came before (round two) -----------------
    Rule(P, "instruction_override", 0.82,
         r"\b(?:ignora|ignore|ignorez|ignorar|olvida|oublie|oubliez|ignoriere|vergiss|ignorate|dimentica|esqueca|"
         r"negeer|vergeet|zignoruj|zapomnij|abaikan|lupakan|bo qua|kalimutan) (?:lo anterior|todo lo anterior|lo de arriba|"
         r"ce qui precede|tout ce qui precede|ce qui est au-dessus|das obige|alles obige|alles oben|alles davor|"
         r"quanto sopra|tutto quanto sopra|cio che precede|o que esta acima|o acima|tudo acima|het bovenstaande|"
         r"alles hierboven|powyzsze|wszystko powyzej|di atas|yang di atas|noi dung tren|phan tren|ang nasa itaas)",
         _w("ignora ignore ignorez ignorar olvida oublie oubliez ignoriere vergiss ignorate dimentica esqueca "
            "negeer vergeet zignoruj zapomnij abaikan lupakan bo kalimutan"), group="override"),
    Rule(P, "instruction_override", 0.82,
         "(?:위의?|앞의|이전) ?(?:내용|지시|명령|말)[^.!?]{0,10}?(?:무시|잊어)|\\b(?:yukaridakileri|yukaridaki her seyi|"
         "onceki talimatlari|onceki talimatlarin) ?(?:yok say|unut|gormezden gel|dikkate alma)|"
         "(?:игнорируй|забудь|проигнорируй) (?:вс[её] )?(?:вышесказанное|вышеизложенное|написанное выше|что выше|"
         "предыдущее)|(?:تجاهل|انس) (?:ما سبق|ما ورد أعلاه|كل ما سبق|ما قبل)|上記を無視|以上を無視|上の(?:内容|指示)を無視|"
         "(?:ऊपर|पिछले) (?:दिए गए )?(?:निर्देशों|निर्देश|बातों) (?:को )?(?:अनदेखा|नज़रअंदाज़|भूल)",
         ("위", "앞의", "이전", "yukaridakileri", "yukaridaki", "onceki", "игнорируй", "забудь", "проигнорируй",
          "تجاهل", "انس", "上記", "以上", "上の", "ऊपर", "पिछले"), group="override", lead=False, back=2, fwd=60),
    Rule(P, "prompt_extraction", 0.85,
         r"\b(?:repite|repetir|repeteme|repete|repetez|wiederhole|wiederholen sie|ripeti|ripetere|repita|repete|"
         r"herhaal|powtorz|ulangi|lap lai|ulitin|tekrarla)\b[^.!?\n]{0,40}?\b(?:arriba|anterior|anteriores|"
         r"ci-dessus|precedent|au-dessus|oben|obigen|vorherigen|sopra|precedente|precedenti|acima|anteriormente|"
         r"hierboven|bovenstaande|powyzej|powyzszy|di atas|o tren|ben tren|sa itaas|yukaridaki|yukaridakini)\b",
         _w("repite repetir repeteme repete repetez wiederhole wiederholen ripeti ripetere repita herhaal "
            "powtorz ulangi lap ulitin tekrarla"), group="extraction", lead=False, back=2, fwd=80),
    Rule(P, "prompt_extraction", 0.85,
         "(?:повтори|выведи|покажи|перепиши|напиши)[^.!?]{0,30}?(?:текст|слова|всё|все|инструкции)? ?(?:выше|вышеуказанн|"
         "предыдущ)|(?:重复|复述|输出|显示|打印)[^。！？]{0,10}?(?:上面|以上|上述|前面)|(?:上面|以上|上述|前面)的?(?:文字|内容|指示|指令)"
         "[^。！？]{0,10}?(?:重复|复述|输出|显示|打印)|(?:上の|上記の|以上の)(?:文章|テキスト|内容|指示)[^。！？]{0,20}?(?:繰り返|出力|表示|書)|"
         "(?:위에 있는|위의|앞의) ?(?:문장|텍스트|내용|글)[^.!?]{0,20}?(?:반복|출력|보여|그대로)|(?:أعد|كرر)[^.!?]{0,20}?(?:أعلاه|السابق)",
         ("повтори", "выведи", "покажи", "перепиши", "напиши", "重复", "复述", "输出", "显示", "打印", "上面", "以上", "上述",
          "前面", "上の", "上記", "위에", "위의", "앞의", "أعد", "كرر"), group="extraction", lead=False, back=2, fwd=60),
    # the system prompt, named in other languages: evidence that lets the classifier decide
    Rule(P, "prompt_extraction", 0.5,
         r"\b(?:systemprompt|system-prompt|prompt (?:du |de )?systeme|prompt del sistema|prompt di sistema|prompt do "
         r"sistema|systeemprompt|prompt systemowy|sistem istemi|prompt sistem|instrucciones del sistema|"
         r"instructions systeme|systemanweisungen|istruzioni di sistema|instrucoes do sistema)\b",
         _w("systemprompt system prompt systeme sistema systeemprompt systemowy sistem instrucciones instructions "
            "systemanweisungen istruzioni instrucoes"), group="extraction_mention", lead=False, back=30, fwd=40),
    Rule(P, "prompt_extraction", 0.5,
         r"системн\w{0,3} (?:промпт|подсказк|инструкци)|系统提示|系統提示|系统指令|系统消息|システムプロンプト|システムメッセージ|"
         "시스템 프롬프트|시스템 메시지|सिस्टम प्रॉम्प्ट|सिस्टम संदेश|موجه النظام|تعليمات النظام|تعليماتك|指示内容を|あなたの指示|"
         "너의 지시|당신의 지시|आपके निर्देश|अपने निर्देश",
         ("системн", "系统", "系統", "システム", "시스템", "सिस्टम", "موجه", "تعليمات", "تعليماتك", "指示内容", "あなたの指示",
          "너의", "당신의", "आपके", "अपने"), group="extraction_mention", lead=False, back=2, fwd=40),

    # ---- asking for "your instructions" / "your system prompt" (round three) --------------------------
    # The possessive addressed to the model, in each language: evidence on its own, and with a verb
    # that asks for the text (write out, show, give, repeat, what is) an extraction.
    Rule(P, "prompt_extraction", 0.72,
         r"(?:\b(?:tus|sus) (?:instrucciones|indicaciones|directrices|reglas)(?: (?:originales|iniciales|del sistema|secretas|ocultas))?|"
         r"\btu (?:prompt|mensaje) (?:del sistema|de sistema|inicial)|"
         r"\b(?:tes|vos) (?:instructions|consignes|directives|regles)(?: (?:initiales|originales|systeme|secretes|cachees))?|"
         r"\bton (?:prompt|message) (?:systeme|initial)|"
         r"\b(?:deine|ihre|deinen|deinem|deiner) (?:anweisungen|instruktionen|vorgaben|regeln|richtlinien|systemanweisungen)|"
         r"\b(?:dein|deinem|deinen|ihr|ihrem) (?:systemprompt|system-prompt|prompt)|"
         r"\b(?:le tue|le sue|tue) (?:istruzioni|regole|direttive)|\bil tuo (?:prompt|messaggio) (?:di sistema|iniziale)|"
         r"\b(?:suas|tuas) (?:instrucoes|regras|diretrizes|orientacoes)|\bseu (?:prompt|comando) (?:de sistema|do sistema|inicial)|"
         r"\b(?:instruksi|petunjuk|aturan|prompt) (?:anda|kamu|sistem anda|sistemmu)|\binstruksimu\b|"
         r"\b(?:mga )?(?:tagubilin|instruksyon|panuntunan) mo\b|"
         r"\b(?:huong dan|chi dan|chi thi|quy tac|loi nhac he thong) (?:cua ban|cua may)|"
         r"\b(?:talimatlarin|talimatlariniz|talimatlarini|sistem isteminiz|sistem istemin|kurallarin)\b)"
         # ... but not instructions for something ("tus instrucciones para armar el mueble")
         r"(?! (?:para|pour|per|por|fur|zum|zur|sobre|sur|uber|untuk|para sa|cho|icin)\b)",
         _w("tus sus tu tes vos ton deine ihre deinen deinem deiner dein ihr ihrem le tue il suas tuas seu "
            "instruksi petunjuk aturan prompt instruksimu tagubilin instruksyon panuntunan huong chi quy loi "
            "talimatlarin talimatlariniz talimatlarini sistem kurallarin"),
         group="extraction_ml", lead=False, back=2, fwd=60),
    Rule(P, "prompt_extraction", 0.72,
         "(?:тво[иеёй]|ваш[иеа]?|твоих|ваших|твою|вашу|сво[иеёй]|своих|свою|у тебя|у вас) (?:исходн\\w{0,3} |системн\\w{0,3} |скрыт\\w{0,3} |секретн\\w{0,3} )?"
         "(?:инструкци|указани|правил|промпт|подсказк|директив)|"
         "(?:你的|您的)(?:系统)?(?:指令|指示|提示词|提示|规则|设定|说明)|(?:あなたの|君の)(?:指示|命令|ルール|設定|システムプロンプト|プロンプト)|"
         "(?:너의|당신의|네) ?(?:지시|명령|규칙|지침|시스템 프롬프트|프롬프트|설정)|"
         "(?:आपके|तुम्हारे|अपने|आपका|तुम्हारा|अपना) (?:मूल |सिस्टम |गुप्त )?(?:निर्देश|नियम|प्रॉम्प्ट|सिस्टम प्रॉम्प्ट)|"
         "(?:আপনার|তোমার) (?:মূল |সিস্টেম )?(?:নির্দেশ|নিয়ম|প্রম্পট)|"
         "تعليماتك|توجيهاتك|قواعدك|(?:تعليمات|موجه|أوامر) (?:النظام )?الخاصة بك|"
         "(?:οδηγίες|εντολές|κανόνες) σου|"
         "(?:คําสั่ง|คําแนะนํา|กฎ)ของคุณ",
         ("тво", "ваш", "сво", "у тебя", "у вас", "你的", "您的", "あなたの", "君の", "너의", "당신의", "네", "आपके", "तुम्हारे", "अपने", "आपका",
          "तुम्हारा", "अपना", "আপনার", "তোমার", "تعليماتك", "توجيهاتك", "قواعدك", "الخاصة", "σου", "ของคุณ"),
         group="extraction_ml", lead=False, back=2, fwd=60),
    Rule(P, "prompt_extraction", 0.45,
         r"\b(?:escribe|escribelas|escribelo|muestra|muestrame|dime|dame|repite|imprime|copia|ecris|montre|donne|repete|"
         r"affiche|gib|zeig|zeige|schreib|schreibe|wiederhole|nenne|scrivi|mostra|dimmi|dammi|ripeti|escreva|mostre|"
         r"diga|repita|tulis|tampilkan|berikan|ulangi|isulat|ipakita|ibigay|viet|hien thi|cho toi|yaz|goster|tekrarla|ver)"
         r"\b[^.!?\n]{0,40}?\b(?:completa|completas|completo|completos|entera|enteras|entier|entieres|complete|completes|"
         r"vollstandig|komplett|wortlich|intero|intera|complete|completo|palavra por palavra|lengkap|buong|day du|"
         r"tam|tamamen|aus)\b",
         _w("escribe escribelas escribelo muestra muestrame dime dame repite imprime copia ecris montre donne repete "
            "affiche gib zeig zeige schreib schreibe wiederhole nenne scrivi mostra dimmi dammi ripeti escreva mostre "
            "diga repita tulis tampilkan berikan ulangi isulat ipakita ibigay viet hien cho yaz goster tekrarla ver"),
         group="extraction_ml_verb"),
    Rule(P, "prompt_extraction", 0.45,
         "(?:выведи|напиши|покажи|повтори|перечисли|скажи|дай)[^.!?]{0,40}?(?:целиком|полностью|дословно|всё|все)|"
         "(?:完整|全部|逐字)(?:地)?(?:输出|写出|显示|列出|重复|告诉)|(?:输出|写出|显示|列出|重复)[^。！？]{0,10}?(?:完整|全部|逐字)|"
         "(?:全部|そのまま|完全に)[^。！？]{0,10}?(?:出力|表示|書|教え)|(?:전부|그대로|전체)[^.!?]{0,10}?(?:출력|보여|알려|써)|"
         "(?:पूरा|पूरे|पूरी|शब्दशः)[^।?!]{0,20}?(?:लिखो|लिखें|बताओ|बताएं|दिखाओ|दिखाएं|दोहराओ)|"
         "(?:اكتبها|اكتبه|اعرضها|اعرضه|أعطني|اطبع)[^.!?؟]{0,20}?(?:كاملة|كامل|بالكامل|حرفيا)",
         ("выведи", "напиши", "покажи", "повтори", "перечисли", "скажи", "дай", "完整", "全部", "逐字", "输出", "写出", "显示",
          "列出", "重复", "そのまま", "完全", "전부", "그대로", "전체", "पूरा", "पूरे", "पूरी", "शब्दशः", "اكتبها", "اكتبه",
          "اعرضها", "اعرضه", "أعطني", "اطبع"),
         group="extraction_ml_verb", lead=False, back=2, fwd=60),
    # ---- hijacks in other languages (round three): forget the task, say only "X" ---------------------
    Rule(P, "goal_hijacking", 0.7,
         r"\b(?:olvida(?:te)?(?: de)?|ignora|deja|oublie[sz]?|ignore[sz]?|laisse tomber|vergiss|ignoriere|dimentica|ignora|lascia "
         r"perdere|esqueca|esquece|abaikan|lupakan|kalimutan|unut|bo qua|quen)\b[^.!?\n]{0,12}?\b(?:la tarea|tu tarea|"
         r"la traduccion|el resumen|la tache|ta tache|la traduction|le resume|die aufgabe|deine aufgabe|die ubersetzung|"
         r"die zusammenfassung|il compito|la traduzione|il riassunto|a tarefa|sua tarefa|a traducao|o resumo|tugas(?:mu)?|"
         r"terjemahan|ringkasan|gawain|gorevi|gorevini|ceviriyi|nhiem vu|ban dich|ban tom tat)\b",
         _w("olvida olvidate ignora deja oublie oublies oubliez ignore ignores ignorez laisse vergiss ignoriere dimentica "
            "lascia esqueca esquece abaikan lupakan kalimutan unut bo quen"), group="override_task"),
    Rule(P, "goal_hijacking", 0.6,
         r"\b(?:di|dime|responde|contesta|escribe|dis|reponds|repondez|ecris|sag|sage|antworte|antworten sie|schreib|schreibe|"
         r"rispondi|scrivi|diga|responda|escreva|katakan|jawab|tulis|sabihin|sagutin|isulat|yaz|soyle|cevap ver|noi|"
         r"tra loi|viet)\b[^.!?\n]{0,20}?\b(?:solo|solamente|unicamente|seulement|uniquement|nur|soltanto|apenas|"
         r"somente|hanya|lamang|sadece|yalnizca|chi)\b[^.!?\n]{0,12}?[\"'\u201c\u00ab\u300c]",
         _w("solo solamente unicamente seulement uniquement nur soltanto apenas somente hanya lamang sadece yalnizca chi"),
         group="hijack_fixed", lead=False, back=60, fwd=30),
)
# fmt: on
