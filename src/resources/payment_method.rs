//! [`PaymentMethod`]: a saved or one-off way to pay (a card, a bank account, a wallet, …).

use serde::{Deserialize, Serialize};

use super::common::{BillingDetails, Expandable, HasId, Metadata, Timestamp};
use super::generated::members::*;
use super::Customer;
use crate::open_enum::open_enum;

/// A PaymentMethod (`"object": "payment_method"`).
///
/// Every field of the current API reference. `type` says which kind it is, and the field of
/// the same name holds that kind's details. Card details are typed by hand
/// ([`PaymentMethodCard`]); the details of every other kind (`us_bank_account`, `sepa_debit`,
/// `link`, `card_present`, …) and `radar_options` are typed from Stripe's API description
/// ([`PaymentMethodUsBankAccount`] and the rest).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{PaymentMethod, PaymentMethodCardBrand, PaymentMethodType};
///
/// let method: PaymentMethod = serde_json::from_str(r#"{
///   "id": "pm_1", "object": "payment_method", "type": "card", "customer": "cus_1",
///   "billing_details": {"email": "jenny@example.com", "address": null, "name": null, "phone": null},
///   "card": {"brand": "visa", "last4": "4242", "exp_month": 8, "exp_year": 2030, "funding": "credit",
///            "checks": {"cvc_check": "pass", "address_line1_check": null, "address_postal_code_check": null}}
/// }"#).unwrap();
/// assert_eq!(method.payment_method_type, PaymentMethodType::Card);
/// let card = method.card.unwrap();
/// assert_eq!(card.brand, PaymentMethodCardBrand::Visa);
/// assert_eq!((card.last4.as_str(), card.exp_month, card.exp_year), ("4242", 8, 2030));
/// assert_eq!(method.billing_details.email.as_deref(), Some("jenny@example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentMethod {
    /// Unique identifier (`pm_…`).
    pub id: String,
    /// Details when `type` is `acss_debit`.
    pub acss_debit: Option<PaymentMethodAcssDebit>,
    /// Details when `type` is `affirm`.
    pub affirm: Option<PaymentMethodAffirm>,
    /// Details when `type` is `afterpay_clearpay`.
    pub afterpay_clearpay: Option<PaymentMethodAfterpayClearpay>,
    /// Details when `type` is `alipay`.
    pub alipay: Option<PaymentMethodAlipay>,
    /// Whether checkout flows may show it to the customer again.
    pub allow_redisplay: Option<PaymentMethodAllowRedisplay>,
    /// Details when `type` is `alma`.
    pub alma: Option<PaymentMethodAlma>,
    /// Details when `type` is `amazon_pay`.
    pub amazon_pay: Option<PaymentMethodAmazonPay>,
    /// Details when `type` is `au_becs_debit`.
    pub au_becs_debit: Option<PaymentMethodAuBecsDebit>,
    /// Details when `type` is `bacs_debit`.
    pub bacs_debit: Option<PaymentMethodBacsDebit>,
    /// Details when `type` is `bancontact`.
    pub bancontact: Option<PaymentMethodBancontact>,
    /// Details when `type` is `billie`.
    pub billie: Option<PaymentMethodBillie>,
    /// Billing details (address, email, name, phone).
    pub billing_details: BillingDetails,
    /// Details when `type` is `bizum`.
    pub bizum: Option<PaymentMethodBizum>,
    /// Details when `type` is `blik`.
    pub blik: Option<PaymentMethodBlik>,
    /// Details when `type` is `boleto`.
    pub boleto: Option<PaymentMethodBoleto>,
    /// Card details, when `type` is `card`.
    pub card: Option<PaymentMethodCard>,
    /// Details when `type` is `card_present`.
    pub card_present: Option<PaymentMethodCardPresent>,
    /// Details when `type` is `cashapp`.
    pub cashapp: Option<PaymentMethodCashapp>,
    /// When it was created.
    pub created: Timestamp,
    /// Details when `type` is `crypto`.
    pub crypto: Option<PaymentMethodCrypto>,
    /// Details when `type` is `custom`.
    pub custom: Option<PaymentMethodCustom>,
    /// The customer it is saved to, if any.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2) it is saved to, if any.
    pub customer_account: Option<String>,
    /// Details when `type` is `customer_balance`.
    pub customer_balance: Option<PaymentMethodCustomerBalance>,
    /// Details when `type` is `eps`.
    pub eps: Option<PaymentMethodEps>,
    /// Details when `type` is `fpx`.
    pub fpx: Option<PaymentMethodFpx>,
    /// Details when `type` is `giropay`.
    pub giropay: Option<PaymentMethodGiropay>,
    /// Details when `type` is `grabpay`.
    pub grabpay: Option<PaymentMethodGrabpay>,
    /// Details when `type` is `ideal`.
    pub ideal: Option<PaymentMethodIdeal>,
    /// Details when `type` is `interac_present`.
    pub interac_present: Option<PaymentMethodInteracPresent>,
    /// Details when `type` is `kakao_pay`.
    pub kakao_pay: Option<PaymentMethodKakaoPay>,
    /// Details when `type` is `klarna`.
    pub klarna: Option<PaymentMethodKlarna>,
    /// Details when `type` is `konbini`.
    pub konbini: Option<PaymentMethodKonbini>,
    /// Details when `type` is `kr_card`.
    pub kr_card: Option<PaymentMethodKrCard>,
    /// Details when `type` is `link`.
    pub link: Option<PaymentMethodLink>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Details when `type` is `mb_way`.
    pub mb_way: Option<PaymentMethodMbWay>,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// Details when `type` is `mobilepay`.
    pub mobilepay: Option<PaymentMethodMobilepay>,
    /// Details when `type` is `multibanco`.
    pub multibanco: Option<PaymentMethodMultibanco>,
    /// Details when `type` is `naver_pay`.
    pub naver_pay: Option<PaymentMethodNaverPay>,
    /// Details when `type` is `nz_bank_account`.
    pub nz_bank_account: Option<PaymentMethodNzBankAccount>,
    /// Details when `type` is `oxxo`.
    pub oxxo: Option<PaymentMethodOxxo>,
    /// Details when `type` is `p24`.
    pub p24: Option<PaymentMethodP24>,
    /// Details when `type` is `pay_by_bank`.
    pub pay_by_bank: Option<PaymentMethodPayByBank>,
    /// Details when `type` is `payco`.
    pub payco: Option<PaymentMethodPayco>,
    /// Details when `type` is `paynow`.
    pub paynow: Option<PaymentMethodPaynow>,
    /// Details when `type` is `paypal`.
    pub paypal: Option<PaymentMethodPaypal>,
    /// Details when `type` is `paypay`.
    pub paypay: Option<PaymentMethodPaypay>,
    /// Details when `type` is `payto`.
    pub payto: Option<PaymentMethodPayto>,
    /// Details when `type` is `pix`.
    pub pix: Option<PaymentMethodPix>,
    /// Details when `type` is `promptpay`.
    pub promptpay: Option<PaymentMethodPromptpay>,
    /// Radar options (the Radar session).
    pub radar_options: Option<PaymentMethodRadarOptions>,
    /// Details when `type` is `revolut_pay`.
    pub revolut_pay: Option<PaymentMethodRevolutPay>,
    /// Details when `type` is `samsung_pay`.
    pub samsung_pay: Option<PaymentMethodSamsungPay>,
    /// Details when `type` is `satispay`.
    pub satispay: Option<PaymentMethodSatispay>,
    /// Details when `type` is `scalapay`.
    pub scalapay: Option<PaymentMethodScalapay>,
    /// Details when `type` is `sepa_debit`.
    pub sepa_debit: Option<PaymentMethodSepaDebit>,
    /// Details when `type` is `sequra`.
    pub sequra: Option<PaymentMethodSequra>,
    /// Details when `type` is `sofort`.
    pub sofort: Option<PaymentMethodSofort>,
    /// Details when `type` is `sunbit`.
    pub sunbit: Option<PaymentMethodSunbit>,
    /// Details when `type` is `swish`.
    pub swish: Option<PaymentMethodSwish>,
    /// Details when `type` is `twint`.
    pub twint: Option<PaymentMethodTwint>,
    /// The kind of payment method; the field of the same name holds its details.
    #[serde(rename = "type")]
    pub payment_method_type: PaymentMethodType,
    /// Details when `type` is `upi`.
    pub upi: Option<PaymentMethodUpi>,
    /// Details when `type` is `us_bank_account`.
    pub us_bank_account: Option<PaymentMethodUsBankAccount>,
    /// Details when `type` is `wechat_pay`.
    pub wechat_pay: Option<PaymentMethodWechatPay>,
    /// Details when `type` is `zip`.
    pub zip: Option<PaymentMethodZip>,
}

impl HasId for PaymentMethod {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `payment_method.card`: the card's details (never the full number).
///
/// `generated_from` and `wallet` stay [`serde_json::Value`]; `wallet.type` names the wallet
/// (`apple_pay`, `google_pay`, `link`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentMethodCard {
    /// Card brand.
    pub brand: PaymentMethodCardBrand,
    /// Results of the address and CVC checks.
    pub checks: Option<PaymentMethodCardChecks>,
    /// Two-letter country code of the issuer.
    pub country: Option<String>,
    /// A description of the card range (internal use).
    pub description: Option<String>,
    /// The brand to display, honouring the customer's choice on co-branded cards.
    pub display_brand: Option<PaymentMethodCardDisplayBrand>,
    /// Expiration month (1 to 12).
    pub exp_month: i64,
    /// Expiration year (four digits).
    pub exp_year: i64,
    /// Identifies the card number: equal fingerprints mean the same card.
    pub fingerprint: Option<String>,
    /// Credit, debit, prepaid or unknown.
    pub funding: PaymentMethodCardFunding,
    /// The card-present payment method this card was generated from, if any.
    pub generated_from: Option<PaymentMethodCardGeneratedFrom>,
    /// Issuer identification number (internal use).
    pub iin: Option<String>,
    /// Issuing bank name (internal use).
    pub issuer: Option<String>,
    /// Last four digits.
    pub last4: String,
    /// Card networks the card can be processed on.
    pub networks: Option<PaymentMethodCardNetworks>,
    /// Whether the issuer is regulated (e.g. Durbin in the US).
    pub regulated_status: Option<PaymentMethodCardRegulatedStatus>,
    /// Whether 3-D Secure is supported.
    pub three_d_secure_usage: Option<PaymentMethodCardThreeDSecureUsage>,
    /// The wallet the card belongs to (Apple Pay, Google Pay, …), if any.
    pub wallet: Option<PaymentMethodCardWallet>,
}

/// `card.checks`: address and CVC verification results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentMethodCardChecks {
    /// Result of the address line 1 check.
    pub address_line1_check: Option<PaymentMethodCardCheck>,
    /// Result of the postal code check.
    pub address_postal_code_check: Option<PaymentMethodCardCheck>,
    /// Result of the CVC check.
    pub cvc_check: Option<PaymentMethodCardCheck>,
}

/// `card.networks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentMethodCardNetworks {
    /// Every network available (`visa`, `cartes_bancaires`, …).
    pub available: Vec<String>,
    /// The preferred network for co-branded cards.
    pub preferred: Option<String>,
}

/// `card.three_d_secure_usage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentMethodCardThreeDSecureUsage {
    /// Whether 3-D Secure is supported on the card.
    pub supported: bool,
}

open_enum! {
    /// `card.brand`.
    pub enum PaymentMethodCardBrand {
        Amex => "amex",
        CartesBancaires => "cartes_bancaires",
        Diners => "diners",
        Discover => "discover",
        EftposAu => "eftpos_au",
        Jcb => "jcb",
        Link => "link",
        Mastercard => "mastercard",
        Unionpay => "unionpay",
        Visa => "visa",
        UnknownBrand => "unknown",
    }
}

open_enum! {
    /// `card.display_brand`.
    pub enum PaymentMethodCardDisplayBrand {
        AmericanExpress => "american_express",
        CartesBancaires => "cartes_bancaires",
        DinersClub => "diners_club",
        Discover => "discover",
        EftposAustralia => "eftpos_australia",
        Interac => "interac",
        Jcb => "jcb",
        Mastercard => "mastercard",
        UnionPay => "union_pay",
        Visa => "visa",
        Other => "other",
    }
}

open_enum! {
    /// `card.funding`.
    pub enum PaymentMethodCardFunding {
        Credit => "credit",
        Debit => "debit",
        Prepaid => "prepaid",
        UnknownFunding => "unknown",
    }
}

open_enum! {
    /// The result of one of `card.checks`.
    pub enum PaymentMethodCardCheck {
        Fail => "fail",
        Pass => "pass",
        Unavailable => "unavailable",
        Unchecked => "unchecked",
    }
}

open_enum! {
    /// `card.regulated_status`.
    pub enum PaymentMethodCardRegulatedStatus {
        Regulated => "regulated",
        Unregulated => "unregulated",
    }
}

open_enum! {
    /// `payment_method.allow_redisplay`.
    pub enum PaymentMethodAllowRedisplay {
        Always => "always",
        Limited => "limited",
        Unspecified => "unspecified",
    }
}

open_enum! {
    /// `payment_method.type`.
    pub enum PaymentMethodType {
        AcssDebit => "acss_debit",
        Affirm => "affirm",
        AfterpayClearpay => "afterpay_clearpay",
        Alipay => "alipay",
        Alma => "alma",
        AmazonPay => "amazon_pay",
        AuBecsDebit => "au_becs_debit",
        BacsDebit => "bacs_debit",
        Bancontact => "bancontact",
        Billie => "billie",
        Bizum => "bizum",
        Blik => "blik",
        Boleto => "boleto",
        Card => "card",
        CardPresent => "card_present",
        Cashapp => "cashapp",
        Crypto => "crypto",
        Custom => "custom",
        CustomerBalance => "customer_balance",
        Eps => "eps",
        Fpx => "fpx",
        Giropay => "giropay",
        Grabpay => "grabpay",
        Ideal => "ideal",
        InteracPresent => "interac_present",
        KakaoPay => "kakao_pay",
        Klarna => "klarna",
        Konbini => "konbini",
        KrCard => "kr_card",
        Link => "link",
        MbWay => "mb_way",
        Mobilepay => "mobilepay",
        Multibanco => "multibanco",
        NaverPay => "naver_pay",
        NzBankAccount => "nz_bank_account",
        Oxxo => "oxxo",
        P24 => "p24",
        PayByBank => "pay_by_bank",
        Payco => "payco",
        Paynow => "paynow",
        Paypal => "paypal",
        Paypay => "paypay",
        Payto => "payto",
        Pix => "pix",
        Promptpay => "promptpay",
        RevolutPay => "revolut_pay",
        SamsungPay => "samsung_pay",
        Satispay => "satispay",
        Scalapay => "scalapay",
        SepaDebit => "sepa_debit",
        Sequra => "sequra",
        Sofort => "sofort",
        Sunbit => "sunbit",
        Swish => "swish",
        Twint => "twint",
        Upi => "upi",
        UsBankAccount => "us_bank_account",
        WechatPay => "wechat_pay",
        Zip => "zip",
    }
}
