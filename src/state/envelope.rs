//! Client-side envelope encryption of a state document, so that the storage
//! alone never sees plaintext: AES-256-GCM under a fresh data key from KMS
//! `GenerateDataKey`; the data key, encrypted by KMS, travels with the document
//! and is opened with KMS `Decrypt`.

use super::store::KeyService;
use super::StateError;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

const ALGORITHM: &str = "AES-256-GCM";
/// Bound into every ciphertext and every data key (KMS encryption context).
const AAD: &[u8] = b"recon-state-v1";
const CONTEXT: (&str, &str) = ("recon", "state");

/// The stored form of an encrypted state.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    recon_encrypted: u32,
    algorithm: String,
    /// The KMS key (ARN) that encrypted the data key.
    kms_key_id: String,
    encrypted_key: String,
    nonce: String,
    ciphertext: String,
}

/// True when `bytes` are an encrypted state rather than a plaintext one.
pub fn is_sealed(bytes: &[u8]) -> bool {
    // Cheap test first: a plaintext state starts with `{"version"` or
    // `{\n  "version"`, a sealed one with `recon_encrypted`.
    let head = &bytes[..bytes.len().min(64)];
    head.windows(15).any(|w| w == b"recon_encrypted")
}

/// A data key from KMS, plain and wrapped. An apply's journal entries share
/// one (each with its own nonce), so a journal write costs no KMS call.
#[derive(Clone)]
pub struct DataKey {
    plain: Vec<u8>,
    wrapped: Vec<u8>,
    kms_key_arn: String,
}

/// Data keys already opened by KMS, by their wrapped form (base64): reading a
/// journal asks KMS once per key, not once per entry.
pub type OpenedKeys = std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>;

/// A new data key from KMS key `key_id`.
pub async fn data_key(
    kms: &dyn KeyService,
    key_id: &str,
    location: &str,
) -> Result<DataKey, StateError> {
    let out = kms
        .generate_data_key(key_id, CONTEXT)
        .await
        .map_err(|e| StateError::Remote {
            location: location.to_string(),
            action: "encrypt (KMS GenerateDataKey) the state for",
            message: format!("key {key_id}: {e}"),
        })?;
    Ok(DataKey {
        plain: out.plain,
        wrapped: out.wrapped,
        kms_key_arn: out.key_arn.unwrap_or_else(|| key_id.to_string()),
    })
}

/// Encrypts `plaintext` under a new data key from KMS key `key_id`.
pub async fn seal(
    kms: &dyn KeyService,
    key_id: &str,
    plaintext: &[u8],
    location: &str,
) -> Result<Vec<u8>, StateError> {
    seal_under(&data_key(kms, key_id, location).await?, plaintext, location)
}

/// Encrypts `plaintext` under `key`, with a fresh nonce.
pub fn seal_under(key: &DataKey, plaintext: &[u8], location: &str) -> Result<Vec<u8>, StateError> {
    seal_with(
        &key.plain,
        &key.wrapped,
        &key.kms_key_arn,
        plaintext,
        location,
    )
}

/// Decrypts a sealed state, asking KMS to open its data key.
pub async fn open(
    kms: &dyn KeyService,
    bytes: &[u8],
    location: &str,
) -> Result<Vec<u8>, StateError> {
    open_cached(kms, bytes, location, &OpenedKeys::default()).await
}

/// Like [`open`], asking KMS only for data keys not in `opened`.
pub async fn open_cached(
    kms: &dyn KeyService,
    bytes: &[u8],
    location: &str,
    opened: &OpenedKeys,
) -> Result<Vec<u8>, StateError> {
    let sealed = parse(bytes, location)?;
    let known = opened.lock().unwrap().get(&sealed.encrypted_key).cloned();
    let key = match known {
        Some(key) => key,
        None => {
            let key = open_key(kms, &sealed, location).await?;
            opened
                .lock()
                .unwrap()
                .insert(sealed.encrypted_key.clone(), key.clone());
            key
        }
    };
    open_with(&key, &sealed, location)
}

async fn open_key(
    kms: &dyn KeyService,
    sealed: &Sealed,
    location: &str,
) -> Result<Vec<u8>, StateError> {
    let encrypted_key = decode(&sealed.encrypted_key, "encrypted_key", location)?;
    kms.decrypt_data_key(&encrypted_key, &sealed.kms_key_id, CONTEXT)
        .await
        .map_err(|e| StateError::Decrypt {
            location: location.to_string(),
            key: sealed.kms_key_id.clone(),
            message: e.to_string(),
        })
}

/// The KMS key a sealed state names, for messages.
pub fn key_of(bytes: &[u8]) -> Option<String> {
    serde_json::from_slice::<Sealed>(bytes)
        .ok()
        .map(|s| s.kms_key_id)
}

fn seal_with(
    key: &[u8],
    encrypted_key: &[u8],
    key_arn: &str,
    plaintext: &[u8],
    location: &str,
) -> Result<Vec<u8>, StateError> {
    let bad_key = || StateError::Remote {
        location: location.to_string(),
        action: "encrypt the state for",
        message: format!("KMS returned a data key of {} bytes, not 32", key.len()),
    };
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| bad_key())?;
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: AAD,
            },
        )
        .map_err(|_| bad_key())?;
    let sealed = Sealed {
        recon_encrypted: 1,
        algorithm: ALGORITHM.to_string(),
        kms_key_id: key_arn.to_string(),
        encrypted_key: B64.encode(encrypted_key),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ciphertext),
    };
    let mut out = serde_json::to_vec_pretty(&sealed).unwrap_or_default();
    out.push(b'\n');
    Ok(out)
}

fn open_with(key: &[u8], sealed: &Sealed, location: &str) -> Result<Vec<u8>, StateError> {
    let damaged = |detail: &str| StateError::Checksum {
        location: location.to_string(),
        detail: detail.to_string(),
    };
    let nonce = decode(&sealed.nonce, "nonce", location)?;
    if nonce.len() != 12 {
        return Err(damaged("the nonce is not 12 bytes"));
    }
    let ciphertext = decode(&sealed.ciphertext, "ciphertext", location)?;
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| damaged("the data key is not 32 bytes"))?;
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: AAD,
            },
        )
        .map_err(|_| damaged("AES-GCM authentication failed"))
}

fn parse(bytes: &[u8], location: &str) -> Result<Sealed, StateError> {
    let sealed: Sealed = serde_json::from_slice(bytes).map_err(|e| StateError::Invalid {
        location: location.to_string(),
        detail: format!("encrypted state envelope: {e}"),
    })?;
    if sealed.recon_encrypted != 1 || sealed.algorithm != ALGORITHM {
        return Err(StateError::Invalid {
            location: location.to_string(),
            detail: format!(
                "encrypted with {} (envelope version {}), which this recon cannot read; upgrade recon",
                sealed.algorithm, sealed.recon_encrypted
            ),
        });
    }
    Ok(sealed)
}

fn decode(text: &str, what: &str, location: &str) -> Result<Vec<u8>, StateError> {
    B64.decode(text).map_err(|e| StateError::Invalid {
        location: location.to_string(),
        detail: format!("encrypted state envelope: {what} is not base64 ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_and_tampering_is_caught() {
        let key = [7u8; 32];
        let doc = br#"{"version": 1, "secret": "hunter2"}"#;
        let sealed = seal_with(&key, b"wrapped", "arn:aws:kms:k", doc, "s3://b/k").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!is_sealed(doc));
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(!text.contains("hunter2"));
        assert_eq!(key_of(&sealed).as_deref(), Some("arn:aws:kms:k"));

        let parsed = parse(&sealed, "s3://b/k").unwrap();
        assert_eq!(open_with(&key, &parsed, "s3://b/k").unwrap(), doc);

        let err = open_with(&[8u8; 32], &parsed, "s3://b/k").unwrap_err();
        assert!(matches!(err, StateError::Checksum { .. }), "{err}");

        let mut tampered = parse(&sealed, "s3://b/k").unwrap();
        let mut ct = B64.decode(&tampered.ciphertext).unwrap();
        ct[0] ^= 1;
        tampered.ciphertext = B64.encode(ct);
        assert!(open_with(&key, &tampered, "s3://b/k").is_err());
    }
}
